"""Small integrations that misuse ``demisto`` as XSOAR would refuse, one way each: the tests put one in place of
restore_integration.main and check that the war room refuses it as XSOAR does."""
import threading
import warnings
from typing import Any, Callable

from urllib3.exceptions import InsecureRequestWarning

INCIDENT = {'name': 'HSS Trojan on web-01', 'occurred': '2024-05-01T10:00:00Z', 'rawJSON': '{"event_id": "evt-1"}'}
DONE = {'Type': 1, 'ContentsFormat': 'text', 'Contents': 'done'}
WARNING_TEXT = 'a Python warning the integration shows'


def incidents_from_a_command(demisto: Any) -> None:
    """A command (not fetch-incidents) that creates an incident."""
    demisto.incidents([dict(INCIDENT)])
    demisto.results(DONE)


def fetch_handing_over_twice(demisto: Any) -> None:
    """A fetch that hands over its incidents in two calls, as if XSOAR took both."""
    demisto.incidents([dict(INCIDENT)])
    demisto.incidents([{**INCIDENT, 'name': 'HSS Trojan on web-02'}])


def fetch_handing_over_once(demisto: Any) -> None:
    """The same incidents in the one call XSOAR takes."""
    demisto.incidents([dict(INCIDENT), {**INCIDENT, 'name': 'HSS Trojan on web-02'}])


def writes_into_the_context_it_read(demisto: Any) -> None:
    """A command that changes the incident context demisto.context() handed it, as if that wrote the context."""
    context = demisto.context()
    context['Written'] = 'by hand'
    context.get('Seen', {})['a'] = 2
    demisto.results(DONE)


def fetch_changing_the_last_run_it_read(demisto: Any) -> None:
    """A fetch that changes the dict demisto.getLastRun() handed it, as if that set the last run, and hands over
    no incidents without calling demisto.setLastRun()."""
    demisto.getLastRun()['next'] = '2'
    demisto.incidents([])


def answers_with_the_context_it_reads(demisto: Any) -> None:
    """Any command, test-module too: 'ok' where demisto.context() is empty, else the keys it holds."""
    keys = sorted(demisto.context())
    demisto.results({**DONE, 'Contents': 'ok' if not keys else 'read ' + ', '.join(keys)})


def fetch_handing_over_nothing(demisto: Any) -> None:
    """A fetch that sets its last run and ends without demisto.incidents(), not even of an empty list."""
    demisto.setLastRun({'next': '2'})


def answers_ok_and_more(demisto: Any) -> None:
    """test-module answering 'ok', then something else."""
    demisto.results('ok')
    demisto.results('and the HSS half is not set up')


def returns_nothing(demisto: Any) -> None:
    """A command that ends without handing XSOAR any entry."""
    demisto.debug('nothing to say')


def writes_an_undeclared_context_path(demisto: Any) -> None:
    """A restore-file that writes, beside its declared record, a field integration.yml does not declare."""
    record = {'file_hash': 'a' * 64, 'status': 'PENDING', 'note': 'not declared'}
    demisto.results({**DONE, 'EntryContext': {'CortexXDR.RestoredFile(val.file_hash == obj.file_hash)': record}})


def warns(demisto: Any) -> None:
    """A command or fetch that shows a Python warning on the thread running it, then ends as XSOAR takes it."""
    warnings.warn(WARNING_TEXT, UserWarning)
    _done(demisto)


def warns_on_a_worker(demisto: Any) -> None:
    """The same warning shown on a thread of its own (as bulk work's, or a request's), calling no demisto itself."""
    _on_a_worker(lambda: warnings.warn(WARNING_TEXT, UserWarning))
    _done(demisto)


def warns_on_a_worker_after_enable_multithreading(demisto: Any) -> None:
    """The same, once demisto.enable_multithreading() locked XSOAR's channel for calls from any thread."""
    demisto.enable_multithreading()
    warns_on_a_worker(demisto)


def warns_of_an_unverified_request_on_a_worker(demisto: Any) -> None:
    """urllib3's warning for an HTTPS request sent without checking the certificate, shown on a worker."""
    _on_a_worker(lambda: warnings.warn('Unverified HTTPS request', InsecureRequestWarning))
    _done(demisto)


def _on_a_worker(work: Callable[[], None]) -> None:
    worker = threading.Thread(target=work, name='worker-1')
    worker.start()
    worker.join()


def _done(demisto: Any) -> None:
    if demisto.command() == 'fetch-incidents':
        demisto.incidents([])
    else:
        demisto.results(DONE)
