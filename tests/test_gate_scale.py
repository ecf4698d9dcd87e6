"""The reputation gate at scale. The playbooks run !file on every hash before the gate, so a restore of n files leaves
n File entries and n DBotScores in the context (one of each per file and reputation source). The gate judges each
file by the entries of that file: it must not read every entry of every other file again for each file it judges,
or its time grows with n squared (about 30 s for 1,000 files, minutes for a few thousand, which a playbook waits for
and XSOAR may time out)."""
from __future__ import annotations

import hashlib

from warroom.playbook.runner import _load_script

GATE = _load_script('QuarantineRestoreReputationGate')


class ReadCounted(dict):
    """A context object that counts how often the gate reads one of its fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reads = 0

    def get(self, key, default=None):
        self.reads += 1
        return super().get(key, default)

    def __getitem__(self, key):
        self.reads += 1
        return super().__getitem__(key)


def most_reads_of_one_object(files: int) -> int:
    """Gates ``files`` files, each with the File entry and DBotScore !file writes for it (a SHA256, its MD5 and SHA1,
    scored good), and returns how often the gate read the most read of those objects."""
    digests = [(hashlib.sha256(b'%d' % n).hexdigest(), hashlib.md5(b'%d' % n).hexdigest(),
                hashlib.sha1(b'%d' % n).hexdigest()) for n in range(files)]
    entries = [ReadCounted(SHA256=sha256, MD5=md5, SHA1=sha1, Hashes=[{'type': 'MD5', 'value': md5}])
               for sha256, md5, sha1 in digests]
    scores = [ReadCounted(Indicator=sha256, Vendor='VirusTotal (API v3)', Score=1, Type='file')
              for sha256, _, _ in digests]

    entry = GATE.gate_command({'file_hash': [sha256 for sha256, _, _ in digests]},
                              {'File': entries, 'DBotScore': scores})

    assert entry['Contents']['allowed'] == [sha256 for sha256, _, _ in digests]  # scored good: every file passes
    return max(counted.reads for counted in entries + scores)


def test_the_gate_reads_each_file_entry_and_score_as_often_for_eighty_files_as_for_twenty():
    assert most_reads_of_one_object(80) <= most_reads_of_one_object(20)
