"""`make demo` (warroom/demo.py) against the emulators on 127.0.0.1: what it shows and how it exits."""
from __future__ import annotations

import contextlib
import re

import pytest

import warroom.demo as demo
from warroom.emulator.faults import FaultPlan

# Every Cortex XDR request answered HTTP 500: the restore is refused, so restore-file returns an error entry.
XDR_DOWN = 'rate=1;kinds=500'


@pytest.fixture
def xdr_down(monkeypatch):
    """The demo's emulators, with Cortex XDR answering every request with a 500."""
    embedded = demo.embedded_vendors

    @contextlib.contextmanager
    def faulty(time_scale: float):
        with embedded(time_scale=time_scale, xdr_faults=FaultPlan.parse(XDR_DOWN)) as vendors:
            yield vendors

    monkeypatch.setattr(demo, 'embedded_vendors', faulty)


def test_make_demo_exits_non_zero_when_a_restore_it_shows_ended_in_an_error_entry(xdr_down, capsys):
    """A playbook's restore task that returns an error entry takes the task's error path: the playbook still runs to
    its end, but the demo showed the restore fail (an ERROR line, a note that the restore FAILED). `make demo` must
    then fail, not exit 0 as if every step had worked; and it says why on standard error."""
    code = demo.run_demo(0)

    out, err = capsys.readouterr()
    shown = re.findall(r'^\[.*?\] #\d+ .*?!restore-file .*? -> (error.*)$', out, re.MULTILINE)
    assert shown and all(outcome == 'error -> error path' for outcome in shown)  # what the analyst sees
    assert 'PLAYBOOK STOPPED' not in out  # the error path was taken: no playbook stopped
    assert code == 1
    assert 'ERROR' in err


def test_a_close_from_the_dialog_whose_script_could_not_start_the_restore_is_a_failure(xdr_down, capsys):
    """The samples closed from the Close dialog are there to show the post-processing script starting their restores
    and the analyst following each: a note that says the restore could not start (Cortex XDR refused it) gives no
    line to follow, and the demo showed nothing restored. That close counts as a failure of the demo."""
    with demo.embedded_vendors(time_scale=0) as vendors:
        runner = demo.PlaybookRunner(vendors.params, library=demo.PlaybookLibrary(), time_scale=0,
                                     on_event=demo.print_event)
        failures = {name: demo.close_sample(demo.INCIDENTS / name, runner, vendors, 0)
                    for name in sorted(demo.CLOSED_BY_DIALOG)}

    out = capsys.readouterr().out
    assert out.count('`!restore-file` could not start') == len(demo.CLOSED_BY_DIALOG)
    assert all(failed for failed in failures.values()), failures
