"""The integration is tested on the requests and urllib3 that XSOAR runs it with, and the PySocks requests uses for a
SOCKS proxy there: the versions of the docker image integration.yml names, as demisto/dockerfiles-info lists them
(test_data/xsoar/docker_image_packages.json). A newer pair here could let the integration call what the image does not
have, and every test still pass; without PySocks, requests would refuse a socks5:// proxy XSOAR's image takes."""
import json
import sys
from importlib.metadata import version

from conftest import TEST_DATA
from warroom.spec import load_spec

IMAGE = json.loads((TEST_DATA / 'xsoar' / 'docker_image_packages.json').read_text())


def test_the_recorded_packages_are_those_of_the_image_integration_yml_names():
    assert load_spec().raw['script']['dockerimage'] == IMAGE['image']


def test_the_tests_run_on_the_requests_urllib3_and_pysocks_of_xsoars_image():
    installed = {name: version(name) for name in IMAGE['packages']}
    assert installed == IMAGE['packages'], 'pyproject.toml pins them: rebuild .venv (make test does)'


def test_the_tests_run_on_the_python_minor_version_of_xsoars_image():
    assert '%d.%d' % sys.version_info[:2] == IMAGE['python'].rsplit('.', 1)[0]
