"""``python -m warroom``: run war-room commands locally, serve the emulated vendors, show the demo."""
from __future__ import annotations

import argparse
import errno
import json
import os
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, TextIO

import yaml

from .context import ContextError, as_list, get_path, merge_entry_context
from .line import LineError, argument_text, parse_line, plural, quoted
from .params import ParamsError, load_params, load_typed_yaml
from .runtime import ENTRY_ERROR, WarRoom, entry_text
from .spec import ArgumentError, IntegrationSpec, load_spec, split_server_options

if TYPE_CHECKING:  # the emulators and the playbook runner are imported only when one is used
    from .emulator.faults import FaultPlan
    from .emulator.hss import HssGateway
    from .emulator.httpserver import LoopbackServer
    from .emulator.xdr import XdrGateway
    from .playbook.incidents import IncidentFile
    from .playbook.model import Playbook, PlaybookLibrary

EMBEDDED_TIME_SCALE = 0.1
# Waits at most this many times as long as XSOAR's: the longest (a day between checks) then lasts years, still within
# what time.sleep takes; past it (inf, 1e308) the first wait overflowed it.
MAX_TIME_SCALE = 1000
EXIT_ERROR_ENTRY = 1
EXIT_USAGE = 2
EXIT_NOT_ALL_RESTORED = 3


def print_entry(entry: dict, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if entry.get('Type') == ENTRY_ERROR:
        print(f'ERROR: {entry_text(entry)}', file=sys.stderr, flush=True)
    else:
        print(entry_text(entry) + '\n', file=stream, flush=True)


class ProgressLine:
    """Bulk progress on stderr: one line rewritten in place on a terminal, a line per tenth elsewhere."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._shown: dict[str, int] = {}

    def __call__(self, text: str) -> None:
        what, _, count = text.rpartition(': ')
        done, _, total = count.partition('/')
        if not (done.isdigit() and total.isdigit()):
            return
        done, total = int(done), int(total)
        if self.tty:
            end = '\n' if done == total else ''
            print(f'\r{what}: {done}/{total}', end=end, file=self.stream, flush=True)
            return
        tenth = done * 10 // total
        if self._shown.get(what) != tenth:
            self._shown[what] = tenth
            print(f'{what}: {done}/{total}', file=self.stream, flush=True)


def read_args_file(path: str) -> dict:
    """--args FILE: a YAML (or JSON) mapping of argument names to values, for inputs no command line holds."""
    try:
        data = load_typed_yaml(Path(path).read_text(encoding='utf-8'))  # numbers and dates as typed
    except yaml.YAMLError as error:
        raise LineError(f'--args {path}: not YAML or JSON: {error}') from None
    except UnicodeDecodeError as error:
        raise LineError(f'--args {path}: not UTF-8 text: {error.reason} at byte {error.start}') from None
    if not isinstance(data, dict):
        raise LineError(f'--args {path}: expected a mapping of argument names to values')
    return {str(name): argument_text(value) for name, value in data.items()}


def run_line(line: str, params_file: str | None, as_json: bool, time_scale: float | None,
             args_file: str | None = None) -> int:
    spec = load_spec()
    try:
        parsed = parse_line(sys.stdin.read().strip() if line == '-' else line)  # '-': a line too long for argv
        if args_file:
            extra = read_args_file(args_file)
            both = sorted(set(extra) & set(parsed.args))
            if both:
                raise LineError(f'{", ".join(both)} given both on the line and in --args {args_file}')
            parsed.args.update(extra)
        spec.command(parsed.command).check_args(parsed.args)  # refuse bad input before starting anything
    except (LineError, ArgumentError) as error:
        print(f'ERROR: {error}', file=sys.stderr)
        return EXIT_USAGE
    with ExitStack() as stack:
        instance = instance_or_error(stack, params_file, time_scale, spec)
        if instance is None:
            return EXIT_USAGE
        params, scale = instance
        war_room = WarRoom(params=params, spec=spec, time_scale=scale,
                           on_entry=None if as_json else print_entry, on_progress=ProgressLine())
        try:
            result = war_room.run(parsed.command, parsed.args)
            returned = returned_context(result.entries)
        except ContextError as error:
            print(f'ERROR: {error}', file=sys.stderr)
            return EXIT_ERROR_ENTRY
    if as_json:
        print(json.dumps({'entries': result.entries, 'context': result.context}, indent=2, default=str))
    if split_server_options(parsed.args)[1].debug_mode:  # XSOAR hands the run's log back to the war room
        print('Debug log (debug-mode=true):', *(f'{level.upper()}: {text}' for level, text in result.log), sep='\n',
              file=sys.stderr)
    if result.failed:
        return EXIT_ERROR_ENTRY
    restores = bool(spec.command(parsed.command).outputs)  # a restore command: it declares the records it writes
    return EXIT_NOT_ALL_RESTORED if not_all_restored(returned, parsed.args, restores) else 0


def returned_context(entries: list[dict]) -> dict:
    """The context the entries' own EntryContext writes: what the command returned, whether or not ignore-outputs
    kept it out of the incident context."""
    context: dict = {}
    for entry in entries:
        merge_entry_context(context, entry.get('EntryContext') or {})
    return context


def not_all_restored(context: dict, args: dict, restores: bool = True) -> bool:
    """Whether a run that ended without an error left files not restored: a failed or partial restore, a file
    refused among several, a copy not found, one still running when polling ran out, or (``restores``: a restore
    command) no record at all, which says of no file that it came back. With polling=false a restore still running
    is what was asked for."""
    waited = str(args.get('polling', 'true')).strip().lower() != 'false'
    if restores and not as_list(get_path(context, 'CortexXDR.RestoredFile')) + \
            as_list(get_path(context, 'HuaweiHSS.RestoredFile')):
        return True
    for record in as_list(get_path(context, 'CortexXDR.RestoredFile')):
        status = record.get('status') if isinstance(record, dict) else None
        if status != 'COMPLETED_SUCCESSFULLY' and (waited or status != 'IN_PROGRESS'):
            return True
    for row in as_list(get_path(context, 'HuaweiHSS.RestoredFile')):
        outcome = row.get('outcome') if isinstance(row, dict) else None
        if outcome != 'restored' and (waited or outcome != 'restoring'):
            return True
    return False


def instance_params(stack: ExitStack, params_file: str | None, time_scale: float | None,
                    spec: IntegrationSpec) -> tuple[dict, float]:
    """The params file's instance, or (no file) the embedded emulators started on ``stack``; and the time scale."""
    if params_file is None:
        from .embedded import embedded_vendors
        scale = EMBEDDED_TIME_SCALE if time_scale is None else time_scale
        return stack.enter_context(embedded_vendors(time_scale=scale)).params, scale
    params = load_params(params_file, spec)
    check_instance(params, params_file)
    return params, 1.0 if time_scale is None else time_scale


def check_instance(params: dict, params_file: str) -> None:
    """The instance settings read as the integration reads them, before anything runs: a vendor half set up (a
    secret left out of the file and of the environment, say) is refused here, in words the user can act on."""
    import restore_integration

    try:
        restore_integration.read_instance_settings(params)
    except restore_integration.RestoreError as error:
        raise ParamsError(instance_settings_refusal(params, str(error), params_file)) from None


# The two parts of each credentials setting whose user part the integration needs: WARROOM_PARAM_<NAME> fills only
# the password part (load_params), so a user name or key ID left out of the file is missing however it is set.
CREDENTIAL_PARTS = {'hss_credentials': ('IAM user name', 'password'),
                    'hss_aksk': ('access key ID', 'secret access key')}


def instance_settings_refusal(params: dict, message: str, params_file: str) -> str:
    """The integration's ``message`` refusing the instance, told for the war room: a secret in neither the file nor
    the environment names its variable; a secret given without its user name or key ID names that instead, since
    the integration's message asks for both and the variable cannot fill the one that is missing."""
    import restore_integration

    from .params import env_name

    def given(name: str, part: str) -> bool:
        return bool(restore_integration.credential_part(params, name, part).strip())

    lacking = [name for name in CREDENTIAL_PARTS
               if name in message and given(name, 'password') and not given(name, 'identifier')]
    if not lacking:
        hints = [f'{name} can come from the environment: {env_name(name)}=...'
                 for name in restore_integration.SECRET_SETTINGS if name in message and not given(name, 'password')]
        return ' '.join([message, *hints])
    filled = {**params, **{name: {'identifier': 'given', 'password': 'given'} for name in lacking}}
    try:  # read again as if the identifiers were there: what else is missing is said too, not left for next time
        restore_integration.read_instance_settings(filled)
        rest = []
    except restore_integration.RestoreError as error:
        rest = [instance_settings_refusal(filled, str(error), params_file)]
    hints = []
    for name in lacking:
        identifier, secret = CREDENTIAL_PARTS[name]
        hints.append(f'{name} has a {secret} but no {identifier}: put the {identifier} in {params_file} as '
                     f'{name}: {{identifier: <{identifier}>}} ({env_name(name)} supplies only the {secret}).')
    return ' '.join([*hints, *rest])


def instance_or_error(stack: ExitStack, params_file: str | None, time_scale: float | None,
                      spec: IntegrationSpec) -> tuple[dict, float] | None:
    """``instance_params``, or None once the reason it cannot be had is printed."""
    try:
        return instance_params(stack, params_file, time_scale, spec)
    except (OSError, ParamsError, yaml.YAMLError) as error:
        print(f'ERROR: {error}', file=sys.stderr)
        return None


def run_playbook(playbook_ref: str, incident_file: str, params_file: str | None, time_scale: float | None,
                 context_out: str | None, reason: str | None = None, notes: str | None = None,
                 as_close: bool = False, via: str = 'playbook') -> int:
    """``playbook`` and ``close``: one playbook on one incident file, printed as a war-room timeline."""
    from .playbook.incidents import (POST_PROCESSING_SCRIPT, IncidentFile, IncidentFileError, close_by_playbook,
                                     print_event, print_outcome)
    from .playbook.model import PlaybookFormatError, PlaybookLibrary
    from .playbook.runner import PlaybookRunner

    spec = load_spec()
    library = PlaybookLibrary()
    try:
        sample = IncidentFile.load(incident_file)
        playbook = chosen_playbook(library, playbook_ref, as_close)
    except (IncidentFileError, PlaybookFormatError, OSError) as error:
        print(f'ERROR: {error}', file=sys.stderr)
        return EXIT_USAGE
    except yaml.YAMLError as error:
        print(f'ERROR: {playbook_ref}: not a playbook: {yaml_error_line(error)}', file=sys.stderr)
        return EXIT_USAGE
    if context_out and (os.path.isdir(context_out) or not os.path.isdir(os.path.dirname(os.path.abspath(context_out)))):
        # refused before the playbook restores anything, not after
        print(f'ERROR: --context-out {context_out}: give a file in a directory that exists.', file=sys.stderr)
        return EXIT_USAGE
    incident = incident_as_closed(sample, playbook.name, reason, notes, as_close, via)
    if incident is None:
        return EXIT_USAGE
    with ExitStack() as stack:
        instance = instance_or_error(stack, params_file, time_scale, spec)
        if instance is None:
            return EXIT_USAGE
        params, scale = instance
        runner = PlaybookRunner(params, library=library, spec=spec, time_scale=scale, on_event=print_event)
        if as_close and via == 'post-processing':
            runs = [runner.run_post_processing(POST_PROCESSING_SCRIPT, incident, sample.context)]
            print_outcome(runs[0])
        elif as_close:  # the analyst-decision branch: its closeInvestigation runs the type's script after it
            runs = close_by_playbook(runner, incident, sample.context, playbook)
        else:
            runs = [runner.run(playbook, incident, sample.context)]
            print_outcome(runs[0])
    if context_out:
        Path(context_out).write_text(json.dumps(runs[-1].context, indent=2, default=str) + '\n', encoding='utf-8')
    return EXIT_ERROR_ENTRY if any(run.failed for run in runs) else 0


def chosen_playbook(library: PlaybookLibrary, playbook_ref: str, as_close: bool) -> Playbook:
    """``close`` runs the restore playbook; ``playbook`` the one named, by its file or its name in the library."""
    from .playbook.incidents import RESTORE_PLAYBOOK
    from .playbook.model import Playbook

    if as_close:
        return library.get(RESTORE_PLAYBOOK)
    return library.add(Playbook.load(playbook_ref)) if os.path.exists(playbook_ref) else library.get(playbook_ref)


def incident_as_closed(sample: IncidentFile, playbook_name: str, reason: str | None, notes: str | None,
                       as_close: bool, via: str) -> dict | None:
    """The incident as the run sees it, and the line that says how it was closed: by ``close`` (with the reason
    given, else the file's), or by the file's own close block. None, with the error printed, when ``close`` has no
    reason."""
    from .playbook.incidents import POST_PROCESSING_SCRIPT, close_incident

    incident = sample.incident
    if as_close:
        reason = reason or sample.close_reason
        if not reason:
            print('ERROR: say why the incident is closed: --reason "False Positive" (or another close reason).',
                  file=sys.stderr)
            return None
        trigger = f'post-processing script {POST_PROCESSING_SCRIPT}' if via == 'post-processing' else playbook_name
        print(f'Incident {incident.get("id")} "{incident.get("name")}" closed as "{reason}": '
              f'running "{trigger}".', flush=True)
        return close_incident(incident, reason, notes if notes is not None else sample.close_notes)
    if sample.close_reason:  # the file says how the incident was closed: the playbook sees it closed so
        print(f'Incident {incident.get("id")} "{incident.get("name")}" closed as "{sample.close_reason}" (the '
              f'incident file\'s close block): running "{playbook_name}".', flush=True)
        return close_incident(incident, sample.close_reason, sample.close_notes)
    return incident


def yaml_error_line(error: yaml.YAMLError) -> str:
    """PyYAML's complaint in one line: what it found and where, without the text it quotes."""
    mark = getattr(error, 'problem_mark', None)
    where = f' at line {mark.line + 1}, column {mark.column + 1}' if mark is not None else ''
    return f'{getattr(error, "problem", None) or "not YAML"}{where}'


def fetch_incidents(out_dir: str, params_file: str | None) -> int:
    """``fetch``: one fetch-incidents run; each incident it creates is written to ``out_dir`` as an incident file."""
    from .ingest import STATE_FILE, IngestError, fetch_to_files
    from .runtime import FetchError

    spec = load_spec()
    try:  # a path that is a file, or a directory that cannot be made: refused before anything runs
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f'ERROR: {outdir_refusal("fetch", out_dir, error, "for the incident files")}', file=sys.stderr)
        return EXIT_USAGE
    if params_file is None and os.path.lexists(Path(out_dir) / STATE_FILE):
        # The seed's recent events are dated from the emulator's start, so a later start lists them again past the
        # last run: said before the incidents come, or they read as the fetch making the same alarms twice.
        print(f'Note: {out_dir} keeps the last run of an earlier fetch, but without --params each fetch starts the '
              f'emulated HSS project afresh, its recent events dated again from its start: those now past that last '
              f'run are taken as new, the same alarms again. To see a fetch go on where the last one stopped, fetch '
              f'from one standing emulator: `emulate hss --params-out emu.params.yml`, then `fetch {out_dir} '
              f'--params emu.params.yml`.', file=sys.stderr, flush=True)
    with ExitStack() as stack:
        instance = instance_or_error(stack, params_file, None, spec)
        if instance is None:
            return EXIT_USAGE
        params, scale = instance
        try:
            written = fetch_to_files(WarRoom(params=params, spec=spec, time_scale=scale), Path(out_dir))
        except (FetchError, IngestError, OSError, ValueError) as error:
            print(f'ERROR: {error}', file=sys.stderr)
            return EXIT_ERROR_ENTRY
    print(f'fetch-incidents created {len(written)} {plural("incident", len(written))} in {out_dir}'
          f'{"" if written else " (nothing new since the last fetch)"}.')
    for path in written:
        incident = json.loads(path.read_text(encoding='utf-8'))['incident']
        print(f'  {path}: {incident["type"]}: {incident["name"]}')
    return 0


def nearest_existing(path: str) -> str:
    """``path``, or the closest folder above it that exists (a file on the way stops the walk, as the OS does)."""
    existing = os.path.abspath(path)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    return existing


def outdir_refusal(action: str, out_dir: str, error: OSError, purpose: str) -> str:
    """Why ``action`` (fetch, export) cannot use OUTDIR, naming the path the user gave: mkdir's own words (File
    exists, Not a directory) read as if the directory were the trouble, when a file is in its place."""
    wanted = f'give a directory (new or existing) {purpose}'
    found = nearest_existing(out_dir)
    if os.path.isdir(found):
        return f'{action}: OUTDIR {out_dir} cannot be made ({error.strerror or error}): {wanted}, one you can write to.'
    if found == os.path.abspath(out_dir):
        return f'{action}: OUTDIR {out_dir} is a file, not a directory: {wanted}.'
    return f'{action}: OUTDIR {out_dir}: {found} on its way is a file, not a directory: {wanted}.'


def write_docs(check: bool) -> int:
    from .docs import README, StaleDocsError, render_readme

    current = README.read_text(encoding='utf-8')
    try:
        fresh = render_readme(current)
    except StaleDocsError as error:
        print(f'ERROR: {error}', file=sys.stderr)
        return EXIT_USAGE
    if current == fresh:
        print('README.md is up to date with integration.yml and the playbooks.')
        return 0
    if check:
        print('ERROR: README.md differs from integration.yml or the playbooks: run `python -m warroom docs`.',
              file=sys.stderr)
        return EXIT_ERROR_ENTRY
    README.write_text(fresh, encoding='utf-8')
    print('README.md instance settings, command reference and playbook diagrams rewritten.')
    return 0


class Refused(Exception):
    """Refused before anything runs (exit status 2): the message is the whole line, what is wrong and what to do."""


def emulate(vendor: str, port: int, iam_port: int | None, params_out: str | None, stage_seconds: float,
            rate_limit: float, faults: str | None = None, iam_faults: str | None = None,
            others_rate: float = 0.0) -> int:
    """``emulate``: one vendor's emulator on 127.0.0.1 until Ctrl-C or SIGTERM; every refusal comes first."""
    plan, iam_plan = fault_plans(vendor, faults, iam_faults)
    if iam_port is not None and vendor != 'hss':  # given, not left out: it would be passed over without a word
        raise Refused(f'--iam-port: only HSS has an IAM service; for {vendor}, give --port.')
    if params_out:
        check_params_out(params_out)
    with ExitStack() as stack:
        if vendor == 'xdr':
            params, banner, gateway = serve_xdr(stack, port, stage_seconds, rate_limit, plan)
        else:
            params, banner, gateway = serve_hss(stack, port, iam_port or 0, stage_seconds, rate_limit, plan,
                                                iam_plan)
        gateway.others_rate = others_rate
        if params_out:
            write_private_yaml(params_out, params)
        try:
            # Before the lines that say it serves: a script that kills it once it reads them stops it, as Ctrl-C
            # does, rather than killing it outright.
            stop_on_signals()
            print(banner, flush=True)
            announce(params_out, rate_limit, others_rate, plan, iam_plan)
            threading.Event().wait()  # the servers run in their own threads until Ctrl-C, kill or timeout
        except KeyboardInterrupt:
            pass
        for name, used in (('', plan), ('IAM ', iam_plan)):
            if used is not None:
                counts = ', '.join(f'{kind} x{count}' for kind, count in sorted(used.counts().items()))
                print(f'{name}faults injected in {len(used.injected)} of {used.seen} requests: {counts or "none"}.',
                      flush=True)
    return 0


def fault_plans(vendor: str, faults: str | None, iam_faults: str | None) -> tuple[FaultPlan | None, FaultPlan | None]:
    """--faults and --iam-faults parsed, or Refused naming the option: a plan the emulator would not inject."""
    from .emulator.faults import FaultPlan, FaultSpecError

    if iam_faults and vendor != 'hss':
        raise Refused(f'--iam-faults: only HSS has an IAM service; for {vendor}, give --faults.')
    plans = {}
    for option, spec in (('--faults', faults), ('--iam-faults', iam_faults)):
        try:
            plans[option] = FaultPlan.parse(spec) if spec else None
        except FaultSpecError as error:
            raise Refused(f'{option}: {error}') from None
    plan = plans['--faults']
    if vendor == 'xdr' and plan and 'expire-token' in plan.kinds + plan.sequence:
        raise Refused('--faults: expire-token is for hss only: Cortex XDR API keys carry no token to expire.')
    apigw = [kind for kind in plan.kinds + plan.sequence if kind.endswith('-apigw')] if plan else []
    if vendor == 'xdr' and apigw:
        raise Refused(f'--faults: {apigw[0]} is for hss only: it is the error of Huawei\'s API gateway.')
    return plan, plans['--iam-faults']


def check_params_out(path: str) -> None:
    """--params-out refused before any server starts, named as the user gave it: a place no file can be written,
    or one where git would pick up the emulator's keys and passwords."""
    unfit = params_out_place_unfit(path)
    if unfit:
        raise Refused(f'--params-out {path}: {unfit}')
    if not params_file_may_land(path):
        raise Refused(f'--params-out {path}: the file holds the emulator\'s keys and passwords and would land '
                      f'inside the repository, where git would pick it up. Write it outside (for example '
                      f'/tmp/emu.yml), or name it so that .gitignore covers it (*.params.yml).')


def params_out_place_unfit(path: str) -> str | None:
    """Why no file can be written at ``path`` and what to give instead, or None. Asked before the write because the
    write goes through a temporary file (write_private_yaml), whose name the OS's own error would show instead."""
    folder = os.path.dirname(os.path.abspath(path))
    # A link at ``path`` is replaced, not followed (params_file_may_land), so only a real directory is in the way.
    if (os.path.isdir(path) and not os.path.islink(path)) or path.endswith(('/', os.sep)):
        if os.path.isdir(path):
            return f'is a directory: give the name of the file to write, for example ' \
                   f'{os.path.join(path, "emu.params.yml")}.'
        return 'ends in /, which names a directory: give the name of the file to write, for example ' \
               '/tmp/emu.params.yml.'
    found = nearest_existing(folder)
    if not os.path.isdir(found):
        return f'{found} is not a folder: give a file in a folder that exists.'
    if found != folder:
        return f'its folder {folder} does not exist: create it (mkdir -p {folder}), or give a file in a folder that ' \
               f'exists.'
    if not os.access(folder, os.W_OK | os.X_OK):
        return f'this user cannot write in its folder {folder}: give a file in a folder you can write to.'
    return None


def serve_xdr(stack: ExitStack, port: int, stage_seconds: float, rate_limit: float | None,
              plan: FaultPlan | None) -> tuple[dict, str, XdrGateway]:
    """The emulated Cortex XDR tenant served on ``stack``, with a fresh advanced key: its params and banner."""
    import secrets

    from .embedded import XDR_KEY_ID, XDR_SEED, xdr_params
    from .emulator.xdr import XdrBackend, XdrGateway, create_app

    backend = XdrBackend.from_seed(XDR_SEED, stage_seconds=stage_seconds)
    key = secrets.token_hex(32)
    backend.add_api_key(XDR_KEY_ID, key, auth_type='advanced')
    gateway = XdrGateway(backend, rate_limit=rate_limit, faults=plan)
    server = serve_on(stack, create_app(gateway), port, '--port')
    banner = f'Emulated Cortex XDR tenant at {server.url} (advanced key, ID {XDR_KEY_ID}).'
    return xdr_params(server.url, key), banner, gateway


def serve_hss(stack: ExitStack, port: int, iam_port: int, stage_seconds: float, rate_limit: float | None,
              plan: FaultPlan | None, iam_plan: FaultPlan | None) -> tuple[dict, str, HssGateway]:
    """The emulated HSS project and its IAM served on ``stack``, with fresh keys and password: params and banner."""
    import secrets

    from .embedded import HSS_DOMAIN, HSS_SEED, HSS_USER, hss_params, hss_project_id
    from .emulator.hss import HssBackend, HssGateway, create_app, create_iam_app

    if port and port == iam_port:  # else the second bind would blame "another program" for the first
        raise Refused(f'--port and --iam-port are both {port}: HSS and its IAM each need a port of their own; give '
                      f'two different ports, or leave --iam-port out (any free port).')
    backend = HssBackend.from_seed(HSS_SEED, stage_seconds=stage_seconds)
    project_id = hss_project_id()
    access_key, secret_key = 'AK' + secrets.token_hex(9).upper(), secrets.token_urlsafe(30)
    password = secrets.token_urlsafe(18)
    backend.add_access_key(access_key, secret_key)
    backend.add_user(HSS_DOMAIN, HSS_USER, password, [project_id])
    gateway = HssGateway(backend, rate_limit=rate_limit, faults=plan, iam_faults=iam_plan)
    server = serve_on(stack, create_app(gateway), port, '--port')
    iam = serve_on(stack, create_iam_app(gateway), iam_port, '--iam-port')
    banner = (f'Emulated Huawei Cloud HSS at {server.url} and its IAM at {iam.url} '
              f'(project {project_id}, access key {access_key}, IAM user {HSS_DOMAIN}/{HSS_USER}).')
    return hss_params(server.url, iam.url, project_id, access_key, secret_key, password), banner, gateway


def serve_on(stack: ExitStack, app: Callable, port: int, option: str) -> LoopbackServer:
    """``app`` served on 127.0.0.1:``port`` until ``stack`` closes. A port that cannot be had is named with the
    option that chose it: the OS's "Address already in use" names neither."""
    from .emulator.httpserver import LoopbackServer

    try:
        return stack.enter_context(LoopbackServer(app, port=port))
    except OSError as error:
        way_out = f'give another port, or {option} 0 for any free one'
        if error.errno == errno.EADDRINUSE:
            raise Refused(f'{option} {port}: port {port} on 127.0.0.1 is already in use: {way_out}.') from None
        raise Refused(f'{option} {port}: cannot listen on 127.0.0.1 port {port} ({error.strerror or error}): '
                      f'{way_out}.') from None


def announce(params_out: str | None, rate_limit: float | None, others_rate: float, plan: FaultPlan | None,
             iam_plan: FaultPlan | None) -> None:
    """What the serving emulator admits and injects, and where its params are (never the secrets themselves)."""
    if rate_limit is not None:
        print(f'It admits {rate_limit:g} requests per second' + (
            f', {others_rate:g} of them used by another client of the tenant' if others_rate else '') + '.',
            flush=True)
    if plan or iam_plan:
        print(f'Injecting {plan.describe() if plan else "no faults"}'
              + (f'; IAM {iam_plan.describe()}' if iam_plan else '') + '.', flush=True)
    print(f'Params for `warroom run --params {params_out}` are in that file (secrets are not printed).'
          if params_out else 'Pass --params-out FILE to get params with the generated credentials.', flush=True)


def stop_on_signals() -> None:
    """SIGTERM (kill, timeout) stops the emulator as Ctrl-C does, with its summary; SIGINT too when started in the
    background, where the shell set it ignored."""
    import signal

    def interrupt(*_: object) -> NoReturn:
        raise KeyboardInterrupt

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, interrupt)


def params_file_may_land(path: str) -> bool:
    """A file of secrets goes outside the repository, or where its .gitignore keeps it out of git."""
    from .spec import PROJECT_ROOT

    # Where the file lands: a link at ``path`` is replaced (write_private_yaml), not followed, so only its
    # directory is resolved.
    given = Path(os.path.abspath(path))
    target = given.parent.resolve() / given.name
    if PROJECT_ROOT.resolve() not in target.parents:
        return True
    try:
        ignored = subprocess.run(['git', 'check-ignore', '-q', str(target)], cwd=PROJECT_ROOT, capture_output=True,
                                 timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False  # no git to ask: keep the secrets out
    return ignored.returncode == 0


def write_private_yaml(path: str, data: dict) -> None:
    """Written whole under another name, then renamed: a reader never sees half a file, nor anyone else the key."""
    import tempfile

    # mkstemp creates a new file, mode 0600, that no one else can have opened or pre-created.
    try:
        descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix='.tmp')
    except OSError as error:  # named by the user's path: the temporary name would mean nothing to them
        raise OSError(error.errno, error.strerror, path) from None
    try:
        with os.fdopen(descriptor, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(data, handle)
        os.replace(temporary, path)
    except BaseException as error:
        os.unlink(temporary)
        if isinstance(error, OSError):  # a disk full, say: named by the user's path, as above
            raise OSError(error.errno, error.strerror, path) from None
        raise


def parsed_number(text: str, whole: bool = False) -> float:
    """An option's number, or argparse's error naming the text (a port must be whole)."""
    try:
        return int(text) if whole else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{quoted(text)} is not a {"port " if whole else ""}number') from None


def scale_argument(text: str) -> float:
    """--time-scale: 0 (no waiting at all) to MAX_TIME_SCALE; a negative wait has no meaning, nor an endless one."""
    value = parsed_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f'{text} is negative: give 0 (no waiting) or more')
    if not value <= MAX_TIME_SCALE:  # also refuses nan
        raise argparse.ArgumentTypeError(f'{text} is not a time scale: give 0 (no waiting) to {MAX_TIME_SCALE}')
    return value


def port_argument(text: str) -> int:
    """--port, --iam-port: a TCP port, or 0 for any free one."""
    value = parsed_number(text, whole=True)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f'{text} is not a port: give 1 to 65535, or 0 for any free port')
    return value


def amount_argument(text: str) -> float:
    """--stage-seconds, --others-rate: 0 or more."""
    value = parsed_number(text)
    if not 0 <= value < float('inf'):  # also refuses nan
        raise argparse.ArgumentTypeError(f'{text} is not 0 or more')
    return value


def rate_argument(text: str) -> float:
    """--rate-limit: requests per second admitted; 0 would refuse every request."""
    value = parsed_number(text)
    if not 0 < value < float('inf'):  # 0 would refuse every request; also refuses nan
        raise argparse.ArgumentTypeError(f'{text} admits no request: give more than 0')
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='python -m warroom', description=__doc__)
    commands = parser.add_subparsers(dest='action', required=True)
    add_run_command(commands)
    add_emulate_command(commands)
    add_playbook_commands(commands)

    docs = commands.add_parser('docs',
                               help='rewrite README.md\'s instance settings, command reference and playbook '
                                    'diagrams from the YAML')
    docs.add_argument('--check', action='store_true', help='only say whether README.md is up to date (exit 1 if not)')

    fetch = commands.add_parser('fetch', help='run fetch-incidents once and write each incident it creates to OUTDIR')
    fetch.add_argument('outdir', help='where the incident files go; it also keeps the last run between fetches')
    fetch.add_argument('--params', help='YAML of instance params; without it the emulated tenants are used')

    export = commands.add_parser('export', help='write the pack in the XSOAR content layout, and its uploadable zip')
    export.add_argument('outdir')

    demo = commands.add_parser('demo', help='restore files on the emulated tenants, polled to completion')
    demo.add_argument('--time-scale', type=scale_argument, default=EMBEDDED_TIME_SCALE,
                      help=f'multiply polling waits by this, 0 (no waiting) to {MAX_TIME_SCALE} (default '
                           f'{EMBEDDED_TIME_SCALE}: the demo runs on the emulators it starts)')
    return parser


def add_run_command(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser('run', help='run one war-room line, e.g. "!restore-file file_hash=..."')
    run.add_argument('line', help='the war-room line; - reads it from standard input')
    run.add_argument('--args', metavar='FILE',
                     help='more arguments, as a YAML or JSON mapping (a list goes as its JSON text)')
    run.add_argument('--params', help='YAML of instance params; without it the emulated tenants are used')
    run.add_argument('--json', action='store_true', help='print the entries and the incident context as JSON')
    run.add_argument('--time-scale', type=scale_argument, default=None,
                     help=f'multiply polling waits by this (default 1 with --params, else {EMBEDDED_TIME_SCALE}: '
                          'the emulators it starts)')


def add_emulate_command(commands: argparse._SubParsersAction) -> None:
    emulate_cmd = commands.add_parser('emulate', help='serve an emulated vendor API on 127.0.0.1')
    emulate_cmd.add_argument('vendor', choices=['xdr', 'hss'])
    emulate_cmd.add_argument('--port', type=port_argument, default=0, help='default 0: any free port')
    emulate_cmd.add_argument('--iam-port', type=port_argument, default=None,
                             help='hss only: the port of its IAM service (default: any free port)')
    emulate_cmd.add_argument('--params-out', help='write params for `run --params` to this file')
    emulate_cmd.add_argument('--stage-seconds', type=amount_argument, default=10.0,
                             help='how long an action (or an HSS restore) stays in each running stage')
    emulate_cmd.add_argument('--rate-limit', type=rate_argument, default=None,
                             help='requests per second admitted (Cortex XDR default: 10; HSS: none, or a limit the '
                                  'client is not told, as the gateway publishes none)')
    emulate_cmd.add_argument('--others-rate', type=amount_argument, default=0.0,
                             help='a shared tenant: another client steadily uses this many of the admitted requests '
                                  'per second')
    from .emulator.faults import SPEC_HELP
    emulate_cmd.add_argument('--faults', metavar='SPEC', help=SPEC_HELP)
    emulate_cmd.add_argument('--iam-faults', metavar='SPEC', help='hss only: faults for its IAM service (same SPEC)')


def add_playbook_commands(commands: argparse._SubParsersAction) -> None:
    """``playbook`` and ``close``, which share the options of a playbook run."""
    playbook = commands.add_parser('playbook', help='run a playbook on an incident file, printing the timeline')
    playbook.add_argument('playbook', help='a playbook YAML file, or the id of one in playbooks/')
    playbook.add_argument('--incident', required=True, help='incident JSON: {"incident": {...}, "context": {...}}')
    close = commands.add_parser('close', help='close an incident and run the restore playbook on it')
    close.add_argument('incident', help='incident JSON: {"incident": {...}, "context": {...}, "close": {...}}')
    close.add_argument('--reason', help='the close reason (default: the file\'s close.reason), e.g. "False Positive"')
    close.add_argument('--notes', help='close notes')
    close.add_argument('--via', choices=['playbook', 'post-processing'], default='playbook',
                       help='what the close starts: the restore playbook (an analyst-decision branch before '
                            'closeInvestigation), then the post-processing script the incident type names, if '
                            'any; or that script alone (the Close dialog)')
    for command in (playbook, close):
        command.add_argument('--params', help='YAML of instance params; without it the emulated tenants are used')
        command.add_argument('--context-out', help='write the final incident context to this JSON file')
        command.add_argument('--time-scale', type=scale_argument, default=None,
                             help=f'multiply polling waits by this (default 1 with --params, else '
                                  f'{EMBEDDED_TIME_SCALE}: the emulators it starts)')


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    try:
        return dispatch(options)
    except Refused as error:
        print(f'ERROR: {error}', file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:  # a port taken, a path that is a file, a disk full: the environment, not a bug
        where = f' ({error.filename})' if getattr(error, 'filename', None) else ''
        print(f'ERROR: {options.action}: {error.strerror or error}{where}.', file=sys.stderr)
        return EXIT_USAGE


def dispatch(options: argparse.Namespace) -> int:
    if options.action == 'run':
        return run_line(options.line, options.params, options.json, options.time_scale, options.args)
    if options.action == 'emulate':
        default_rate = 10.0 if options.vendor == 'xdr' else None
        rate_limit = options.rate_limit if options.rate_limit is not None else default_rate
        return emulate(options.vendor, options.port, options.iam_port, options.params_out, options.stage_seconds,
                       rate_limit, options.faults, options.iam_faults, options.others_rate)
    if options.action == 'playbook':
        return run_playbook(options.playbook, options.incident, options.params, options.time_scale,
                            options.context_out)
    if options.action == 'close':
        return run_playbook('', options.incident, options.params, options.time_scale, options.context_out,
                            reason=options.reason, notes=options.notes, as_close=True, via=options.via)
    if options.action == 'fetch':
        return fetch_incidents(options.outdir, options.params)
    if options.action == 'export':
        from .export import export_pack
        try:  # a path that is a file, or a directory that cannot be made: refused before anything is written
            Path(options.outdir).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise Refused(outdir_refusal('export', options.outdir, error, 'for the pack and its zip')) from None
        pack_dir, zip_path = export_pack(Path(options.outdir))
        print(f'Pack written to {pack_dir} and {zip_path}.')
        return 0
    if options.action == 'docs':
        return write_docs(options.check)
    from .demo import run_demo
    return run_demo(options.time_scale)
