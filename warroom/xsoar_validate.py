"""``make xsoar-validate``: the exported pack checked by demisto-sdk itself, offline.

Runs with the python of ``.venv-sdk`` (the venv that holds demisto-sdk; ``make xsoar-validate`` makes it) and
imports nothing from the rest of ``warroom``, so that the SDK's venv needs none of the pack's dependencies::

    .venv-sdk/bin/python warroom/xsoar_validate.py EXPORT_DIR

``EXPORT_DIR`` is what ``python -m warroom export EXPORT_DIR`` wrote. This script

1. builds a scratch content repository in a temporary directory: ``Packs/QuarantineRestore/`` (the export, its
   ``TestPlaybooks/`` too, so that validate checks the test playbook integration.yml's ``tests:`` names),
   ``Config/approved_*.json``, and a git repository whose ``origin`` (a bare repository on disk, named
   ``content.git``) holds a ``master`` without the pack, so that the pack is a new pack added on a branch,
   as in a contribution to the content repository;
2. derives the validation config from the one that ships inside the installed demisto-sdk
   (``demisto_sdk/commands/validate/sdk_validation_config.toml``), without the checks that need the network:
   the graph checks (``GR*``, and every validator that reads the content graph, which starts a graph database
   and downloads the published graph), and the docker image checks that ask Docker Hub or GitHub
   (``DO103``, ``DO105``, ``DO106``);
3. runs ``demisto-sdk validate -i Packs/QuarantineRestore`` (every file of the pack: the path-based checks),
   ``demisto-sdk validate -g`` (the pack as a change against ``origin/master``: the checks the content
   repository runs on a pull request, new-file checks included) and ``demisto-sdk xsoar-lint`` on the pack's
   Python files, all of which must pass with 0 errors;
4. checks the uploadable zip against ``demisto-sdk prepare-content`` of the same pack: the same files, and
   the same unified YAML (script, image, detailed description);
5. last, as it rewrites the pack in place: runs ``demisto-sdk format -i Packs/QuarantineRestore -n -nv
   --no-graph`` (what the content repository's contribution flow runs on a new pack: no prompt, no validate of
   its own, no content graph, no docker image update), with no network (its proxy a local port that refuses,
   so the GitHub lookups of each file's published version fail at once, as for a new pack; no Docker, so no
   markdownlint container), prints what it changed (``git diff --stat``), then runs ``demisto-sdk validate -i``
   on the formatted pack, which must pass with 0 errors (format once wrote fetch params twice, IN114). A change
   of content fails too: format may only rewrite how the pack is written (line folding, a file's last newline,
   keys left empty: null or ''), as what a contribution ships is format's pack, not the one tested here.

Exit status 0 when everything passed.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from typing import Any, Iterator

try:
    import tomllib
except ModuleNotFoundError:  # python 3.10: demisto-sdk's own dependency reads TOML too
    import toml as tomllib  # type: ignore[no-redef]
from pathlib import Path

PACK_ID = 'QuarantineRestore'
# demisto/content's Config/compliant_policies.json, recorded (its about and source say from which commit).
COMPLIANT_POLICIES = Path(__file__).resolve().parent.parent / 'test_data' / 'xsoar' / 'compliant_policies.json'
# Docker image checks that query Docker Hub (DO103 image exists, DO106 latest tag) or GitHub (DO105
# deprecated images); the other DO checks read the YAML only.
NETWORK_DOCKER_CHECKS = frozenset({'DO103', 'DO105', 'DO106'})
GRAPH_PREFIX = 'GR'
# A validator that touches any of these starts the content graph (a neo4j database fed from a download).
GRAPH_USE = re.compile(r'\bself\.graph\b|\bgraph_interface\b|ensure_graph_initialized|\bupdate_content_graph\b')
ERROR_CODE = re.compile(r'^\s*error_code\s*=\s*["\']([A-Z]{2}\d{3})["\']', re.M)
COLOR_TAG = re.compile(r'</?(?:red|green|yellow|cyan|blue|magenta|bold)>')
# One SDK command should take seconds (about 10 s each on a warm machine); a hang must not eat CI's time.
COMMAND_TIMEOUT = 900
# What the contribution flow runs on a pack: no prompt (-n), no validate of its own (-nv), no content graph; the
# docker image is updated only with -ud, which would ask Docker Hub.
FORMAT_ARGS = ('format', '-i', f'Packs/{PACK_ID}', '-n', '-nv', '--no-graph')


def sdk_package_dir() -> Path:
    spec = importlib.util.find_spec('demisto_sdk')
    if spec is None or not spec.submodule_search_locations:
        sys.exit('demisto_sdk is not installed in this python: run this script with .venv-sdk/bin/python')
    return Path(list(spec.submodule_search_locations)[0])


def packaged_config_path() -> Path:
    return sdk_package_dir() / 'commands' / 'validate' / 'sdk_validation_config.toml'


def graph_validators(validators_dir: Path) -> dict[str, list[str]]:
    """Error code -> the validator modules of that code that read the content graph."""
    users: dict[str, list[str]] = {}
    for module in sorted(validators_dir.rglob('*.py')):
        if module.name in ('base_validator.py', '__init__.py'):
            continue
        source = module.read_text(encoding='utf-8', errors='replace')
        match = ERROR_CODE.search(source)
        if match and GRAPH_USE.search(source):
            users.setdefault(match.group(1), []).append(module.name)
    return users


def offline_exclusions(config: dict, validators_dir: Path) -> dict[str, str]:
    """Every code the packaged config names that needs the network, with the reason."""
    named = set(config.get('ignorable_errors', []))
    for section in config.values():
        if isinstance(section, dict):
            for key in ('select', 'warning'):
                named.update(section.get(key, []))
            for level in section.values():  # support_level.<level>.ignore
                if isinstance(level, dict):
                    named.update(level.get('ignore', []))
    reasons = {code: 'graph check' for code in named if code.startswith(GRAPH_PREFIX)}
    for code, modules in graph_validators(validators_dir).items():
        reasons.setdefault(code, f'reads the content graph ({", ".join(modules)})')
    for code in NETWORK_DOCKER_CHECKS:
        reasons.setdefault(code, 'asks Docker Hub or GitHub about the docker image')
    return dict(sorted(reasons.items()))


def derive_config(config: dict, excluded: set[str]) -> dict:
    """The packaged config with the excluded codes out of every select and warning list."""
    derived = {}
    for key, value in config.items():
        if isinstance(value, dict):
            section = {}
            for inner_key, inner in value.items():
                if inner_key in ('select', 'warning') and isinstance(inner, list):
                    section[inner_key] = [code for code in inner if code not in excluded]
                else:
                    section[inner_key] = inner
            derived[key] = section
        else:
            derived[key] = value
    return derived


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return '[' + ', '.join(_toml_value(item) for item in value) + ']'
    raise TypeError(f'cannot write {type(value).__name__} to TOML')


def dump_toml(data: dict, prefix: str = '') -> str:
    """TOML for the config's shapes: scalars and lists of strings, in (nested) tables."""
    lines = [f'{key} = {_toml_value(value)}' for key, value in data.items() if not isinstance(value, dict)]
    text = '\n'.join(lines) + ('\n' if lines else '')
    for key, value in data.items():
        if isinstance(value, dict):
            name = f'{prefix}{key}'
            text += f'\n[{name}]\n' + dump_toml(value, prefix=f'{name}.')
    return text


def run(command: list[str], cwd: Path, env: dict, log: Path | None = None) -> subprocess.CompletedProcess:
    started = time.monotonic()
    try:
        result = subprocess.run(command, cwd=cwd, env=env, text=True, capture_output=True, timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        result = subprocess.CompletedProcess(command, 124, _text(error.stdout),
                                             _text(error.stderr) + f'\n[ERROR] no answer in {COMMAND_TIMEOUT} s\n')
    output = result.stdout + result.stderr
    if log is not None:
        log.write_text(output, encoding='utf-8')
    print(f'$ {" ".join(command)}  ({time.monotonic() - started:.0f} s, exit {result.returncode})', flush=True)
    return result


def git(repo: Path, *args: str) -> str:
    return subprocess.run(['git', *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def build_content_repo(root: Path, pack_dir: Path) -> Path:
    """A content repository in ``root``: origin/master without the pack, the pack added on a branch."""
    sys.path.insert(0, str(sdk_package_dir().parent))
    from demisto_sdk.commands.common.constants import INTEGRATION_CATEGORIES

    metadata = json.loads((pack_dir / 'pack_metadata.json').read_text(encoding='utf-8'))
    origin, repo = root / 'origin' / 'content.git', root / 'content'
    repo.mkdir(parents=True)
    config = repo / 'Config'
    config.mkdir()
    # Categories: the list the SDK ships. Use cases and tags: the SDK ships none, and the content repository's
    # lists are not fetched (offline); the pack's own values, which export.py takes from those lists.
    approved = {
        'approved_categories.json': {'approved_list': sorted(INTEGRATION_CATEGORIES)},
        'approved_usecases.json': {'approved_list': sorted(metadata.get('useCases', []))},
        'approved_tags.json': {'approved_list': {'common': sorted(metadata.get('tags', [])), 'xsoar': [],
                                                 'marketplacev2': [], 'xpanse': [], 'platform': []}},
    }
    # Which command arguments call for "compliantpolicies" (BA112, BA129): the content repository's list as recorded
    # in test_data (offline; without the file the SDK would try to download it).
    recorded = json.loads(COMPLIANT_POLICIES.read_text(encoding='utf-8'))
    approved['compliant_policies.json'] = {'policies': recorded['policies']}
    for name, data in approved.items():
        (config / name).write_text(json.dumps(data, indent=4) + '\n', encoding='utf-8')
    (repo / 'Packs').mkdir()
    (repo / 'Packs' / '.gitkeep').write_text('', encoding='utf-8')
    identity = ['-c', 'user.name=xsoar-validate', '-c', 'user.email=xsoar-validate@localhost',
                '-c', 'commit.gpgsign=false']
    subprocess.run(['git', 'init', '--bare', '-q', '-b', 'master', str(origin)], check=True)
    git(repo, 'init', '-q', '-b', 'master')
    git(repo, 'remote', 'add', 'origin', str(origin))
    git(repo, 'add', '-A')
    git(repo, *identity, 'commit', '-q', '-m', 'content without the pack')
    git(repo, 'push', '-q', 'origin', 'master')
    git(repo, 'fetch', '-q', 'origin')
    git(repo, 'checkout', '-q', '-b', f'add-{PACK_ID}')
    shutil.copytree(pack_dir, repo / 'Packs' / PACK_ID)
    git(repo, 'add', '-A')
    git(repo, *identity, 'commit', '-q', '-m', f'add the {PACK_ID} pack')
    return repo


def sdk_env(home: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith('DEMISTO_SDK_')}
    env.update({
        'HOME': str(home),  # the SDK writes caches and logs under ~
        'DEMISTO_SDK_LOG_NO_COLORS': 'true',
        'DEMISTO_SDK_LOG_FILE_PATH': str(home / 'logs'),
        'DEMISTO_SDK_IGNORE_CONTENT_WARNING': 'true',
        'DEMISTO_SDK_DISABLE_MULTIPROCESSING': 'true',
        'PYTHONWARNINGS': 'ignore',
    })
    return env


def _text(data: bytes | str | None) -> str:
    return data.decode('utf-8', 'replace') if isinstance(data, bytes) else (data or '')


def _report(result: subprocess.CompletedProcess, log: Path, what: str) -> bool:
    output = COLOR_TAG.sub('', result.stdout + result.stderr)
    errors = [line for line in output.splitlines() if re.search(r'\[ERROR\]|^\S+:\s*\[?[A-Z]{2}\d{3}\]?', line)]
    if result.returncode == 0:
        print(f'{what}: passed, 0 errors.', flush=True)
        return True
    print(f'{what}: FAILED (exit {result.returncode}); the full output is in {log}. Errors:', flush=True)
    for line in errors or output.splitlines()[-40:]:
        print('   ' + line, flush=True)
    return False


def compare_zip(exported_zip: Path, sdk_zip: Path) -> list[str]:
    """What differs between our zip and prepare-content's: file names, and each unified YAML's content."""
    from ruamel.yaml import YAML  # what demisto-sdk writes with; YAML 1.2, so its bare `yes:` stays a string

    def load(data: bytes) -> Any:
        return YAML(typ='safe', pure=True).load(data.decode('utf-8'))

    problems = []
    with zipfile.ZipFile(exported_zip) as ours, zipfile.ZipFile(sdk_zip) as theirs:
        our_names = {n for n in ours.namelist() if not n.endswith('/')}
        their_names = {n for n in theirs.namelist() if not n.endswith('/')}
        if our_names != their_names:
            problems.append(f'zip members differ: only ours {sorted(our_names - their_names)}, '
                            f'only prepare-content\'s {sorted(their_names - our_names)}')
        for name in sorted(our_names & their_names):
            if name.endswith('.yml'):
                mine, sdk = load(ours.read(name)), load(theirs.read(name))
            elif name == 'pack_metadata.json':
                mine, sdk = json.loads(ours.read(name)), json.loads(theirs.read(name))
            elif name == 'metadata.json':
                problems += [f'metadata.json: {problem}' for problem in
                             compare_metadata(json.loads(ours.read(name)), json.loads(theirs.read(name)))]
                continue
            else:
                mine, sdk = ours.read(name), theirs.read(name)
            if mine != sdk:
                keys = (sorted(k for k in set(mine) | set(sdk) if mine.get(k) != sdk.get(k))
                        if isinstance(mine, dict) else '')
                problems.append(f'{name}: differs from prepare-content {keys}')
    return problems


def compare_metadata(mine: dict, sdk: dict) -> list[str]:
    """Every field our metadata.json writes must say what the SDK's says (which also records when and from which
    commit it ran, and tags a recent pack "New": those fields we leave out)."""
    problems = []
    for key, value in mine.items():
        if key not in sdk:
            problems.append(f'{key} is not in the SDK\'s')
        elif key == 'tags':
            if not set(value) <= set(sdk[key]):
                problems.append(f'tags {sorted(set(value) - set(sdk[key]))} are not in the SDK\'s')
        elif key == 'contentItems':
            for kind in set(value) | set(sdk[key]):
                our_items = {item['id']: item for item in value.get(kind, [])}
                sdk_items = {item['id']: item for item in sdk[key].get(kind, [])}
                if set(our_items) != set(sdk_items):
                    problems.append(f'contentItems.{kind}: {sorted(our_items)} != {sorted(sdk_items)}')
                for item_id, item in our_items.items():
                    for field, field_value in item.items():
                        if sdk_items.get(item_id, {}).get(field) != field_value:
                            problems.append(f'contentItems.{kind}[{item_id}].{field} differs')
        elif key == 'dependencies' and sdk[key] == {}:
            # prepare-content computes dependencies from the content graph, which offline validation cannot build
            # (it writes {}); ours are pack_metadata.json's, which tests/test_pack_dependencies.py derives.
            continue
        elif value != sdk[key]:
            problems.append(f'{key}: {value!r} != {sdk[key]!r}')
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('export_dir', type=Path, help='the directory `python -m warroom export` wrote')
    parser.add_argument('--keep', action='store_true', help='keep the scratch content repository and the logs')
    options = parser.parse_args(argv)
    export_dir = options.export_dir.resolve()
    pack_dir, exported_zip = export_dir / PACK_ID, export_dir / f'{PACK_ID}.zip'
    if not (pack_dir / 'pack_metadata.json').is_file() or not exported_zip.is_file():
        print(f'ERROR: no exported pack in {export_dir}: run `python -m warroom export {export_dir}` first.',
              file=sys.stderr)
        return 2
    sdk = Path(sys.executable).with_name('demisto-sdk')
    if not sdk.exists():
        print(f'ERROR: no demisto-sdk beside {sys.executable}: run this with .venv-sdk/bin/python.', file=sys.stderr)
        return 2
    return validate_pack(sdk, pack_dir, exported_zip, options.keep)


def validate_pack(sdk: Path, pack_dir: Path, exported_zip: Path, keep: bool) -> int:
    """Every check, in a scratch content repository: 0 when all passed, else 1. The scratch goes once all passed,
    unless ``keep``; a failure keeps it, with the logs, for a look."""
    root = Path(tempfile.mkdtemp(prefix='xsoar-validate-'))
    ok = False
    try:
        derived = write_offline_config(root)
        repo = build_content_repo(root, pack_dir)
        home = root / 'home'
        home.mkdir()
        env = sdk_env(home)
        ok = True
        for what, args in (
                ('validate -i (every file of the pack)', ['validate', '-i', f'Packs/{PACK_ID}']),
                ('validate -g (the pack as a change against origin/master)', ['validate', '-g']),
        ):
            log = root / f'validate{args[1]}.log'
            result = run([str(sdk), *args, '--config-path', str(derived)], repo, env, log)
            ok = _report(result, log, f'demisto-sdk {what}') and ok

        python_files = sorted(str(p.relative_to(repo)) for p in (repo / 'Packs' / PACK_ID).rglob('*.py'))
        lint_log = root / 'xsoar-lint.log'
        result = run([str(sdk), 'xsoar-lint', *python_files], repo, env, lint_log)
        ok = _report(result, lint_log, 'demisto-sdk xsoar-lint') and ok

        ok = prepared_zip_matches(sdk, repo, env, root, exported_zip) and ok
        ok = formatted_pack_validates(sdk, repo, env, root, derived) and ok  # last: format rewrites the pack
        print('xsoar-validate: ' + ('passed.' if ok else 'FAILED.'), flush=True)
        if keep or not ok:
            print(f'Scratch content repository and logs kept in {root}.', flush=True)
        return 0 if ok else 1
    finally:
        if ok and not keep:
            shutil.rmtree(root, ignore_errors=True)


def write_offline_config(root: Path) -> Path:
    """The SDK's packaged validation config less its network-bound checks, written in ``root``; each check left out
    is printed with the reason."""
    config_path = packaged_config_path()
    config = tomllib.loads(config_path.read_text(encoding='utf-8'))
    excluded = offline_exclusions(config, config_path.parent / 'validators')
    derived = root / 'offline_validation_config.toml'
    derived.write_text(f'# {config_path} without the network-bound checks ({", ".join(excluded)})\n'
                       + dump_toml(derive_config(config, set(excluded))), encoding='utf-8')
    print(f'Validation config: {config_path}, less {len(excluded)} network-bound checks:', flush=True)
    for code, reason in excluded.items():
        print(f'   {code}: {reason}', flush=True)
    return derived


def prepared_zip_matches(sdk: Path, repo: Path, env: dict, root: Path, exported_zip: Path) -> bool:
    """Whether ``exported_zip`` holds what ``demisto-sdk prepare-content`` makes of the same pack; what differs is
    printed."""
    prepared = root / 'prepared'
    prepared.mkdir()
    prepare_log = root / 'prepare-content.log'
    result = run([str(sdk), 'prepare-content', '-i', f'Packs/{PACK_ID}', '-o', str(prepared)], repo, env,
                 prepare_log)
    sdk_zip = prepared / f'{PACK_ID}.zip'
    if result.returncode != 0 or not sdk_zip.is_file():
        _report(result, prepare_log, 'demisto-sdk prepare-content')
        print(f'demisto-sdk prepare-content: no {sdk_zip} to compare {exported_zip.name} with.', flush=True)
        return False
    problems = compare_zip(exported_zip, sdk_zip)
    for problem in problems:
        print(f'   {problem}', flush=True)
    print(f'{exported_zip.name} against prepare-content: '
          f'{"the same files and unified YAML" if not problems else "DIFFERS"}.', flush=True)
    return not problems



@contextlib.contextmanager
def offline_env(env: dict, root: Path) -> Iterator[dict]:
    """``env`` for a command that would reach out where the others do not: its proxy a local port bound but not
    listening (every request refused at once, whatever the machine's network), Docker a socket that is not there."""
    with socket.socket() as refusing:
        refusing.bind(('127.0.0.1', 0))
        proxy = f'http://127.0.0.1:{refusing.getsockname()[1]}'
        blocked = {key: value for key, value in env.items() if key.lower() not in ('no_proxy', 'all_proxy')}
        blocked.update({'HTTP_PROXY': proxy, 'HTTPS_PROXY': proxy, 'http_proxy': proxy, 'https_proxy': proxy,
                        'DOCKER_HOST': f'unix://{root / "no-docker.sock"}'})
        yield blocked


def formatted_pack_validates(sdk: Path, repo: Path, env: dict, root: Path, config: Path) -> bool:
    """``demisto-sdk format`` on the pack, offline; what it changed printed; then ``validate -i`` on the pack as
    format left it. True when format ran, changed nothing but the form, and validate passed with 0 errors."""
    format_log = root / 'format.log'
    with offline_env(env, root) as format_env:
        result = run([str(sdk), *FORMAT_ARGS], repo, format_env, format_log)
    if not _report(result, format_log, 'demisto-sdk format'):
        return False
    git(repo, 'add', '-A')
    pack = f'Packs/{PACK_ID}'  # what a contribution ships; whatever format wrote elsewhere is not
    stat = git(repo, 'diff', '--cached', '--stat', '--', pack).rstrip()
    print('demisto-sdk format changed:\n' + stat if stat else 'demisto-sdk format changed nothing.', flush=True)
    changed = content_changes(repo, git(repo, 'diff', '--cached', '--name-status', '--no-renames', '--', pack))
    for problem in changed:
        print(f'   {problem}', flush=True)
    print('demisto-sdk format: ' + ('CHANGED WHAT THE PACK SAYS, above (a contribution would ship that): write it '
                                    'as format does.' if changed else 'changed the form only.'), flush=True)
    log = root / 'validate-i-formatted.log'
    result = run([str(sdk), 'validate', '-i', pack, '--config-path', str(config)], repo, env, log)
    return _report(result, log, 'demisto-sdk validate -i (the pack as format left it)') and not changed


def content_changes(repo: Path, name_status: str) -> list[str]:
    """Each file whose content format changed (``name_status``: ``git diff --name-status`` against the pack as
    exported), with what changed; a change of form only (folding, whitespace, an empty key left out) is none."""
    problems = []
    for line in name_status.splitlines():
        status, path = line.split('\t', 1)
        if status != 'M':
            problems.append(f'{path}: {"added" if status == "A" else "deleted" if status == "D" else status}')
            continue
        before, after = git(repo, 'show', f'HEAD:{path}'), (repo / path).read_text(encoding='utf-8')
        differs = _differing_keys(_content(path, before), _content(path, after))
        if differs:
            problems.append(f'{path}: {", ".join(differs[:8])}{" ..." if len(differs) > 8 else ""}')
    return problems


def _content(path: str, text: str) -> Any:
    """What a file says: JSON and YAML as data, without keys whose value is empty (null or ''); text by lines,
    without the blanks at their ends and blank lines at the end of the file."""
    if path.endswith('.json'):
        return _without_empty(json.loads(text))
    if path.endswith(('.yml', '.yaml')):
        from ruamel.yaml import YAML
        return _without_empty(YAML(typ='safe', pure=True).load(text))
    return [line.rstrip() for line in text.rstrip().splitlines()]


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_empty(inner) for key, inner in value.items() if inner is not None and inner != ''}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


def _differing_keys(before: Any, after: Any, where: str = '') -> list[str]:
    """Where two values differ, as dotted paths (a list of another length as one; a text file, whose lines are
    one list, as 'the text')."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [found for key in sorted(set(before) | set(after), key=str) if before.get(key) != after.get(key)
                for found in _differing_keys(before.get(key), after.get(key), f'{where}{key}.')]
    if isinstance(before, list) and isinstance(after, list) and where:
        if len(before) != len(after):
            return [f'{where.rstrip(".")} ({len(before)} items, {len(after)} after format)']
        return [found for index, (old, new) in enumerate(zip(before, after)) if old != new
                for found in _differing_keys(old, new, f'{where}{index}.')]
    return [] if before == after else [where.rstrip('.') or 'the text']


if __name__ == '__main__':
    sys.exit(main())
