# SPDX-License-Identifier: GPL-2.0-only
"""Shared part of the lab benchmarks (bench/lab/blk, bench/lab/net): run a
bench scenario in the guest lab with both VMMs in one L2 boot, collect its
RESULT lines and print the figures side by side with their ratios.

A bench scenario (tests/lab/scenarios/bench-*.host.sh) prints one line per
measurement:
    RESULT bench-KIND-WHO-rN-JOB PASS key=value ...
where WHO is iovirt, ivbatch (iovirt with sched=batch queue threads), qemu,
l2 (the benchmark run in the L2 itself) or l3 (inside the guest, with no
device) and N the round; the VMMs' order changes from round to round.
"""

import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RUN = os.path.join(REPO, 'tests', 'lab', 'run')
LINE = re.compile(r'RESULT bench-(\w+)-(iovirt|ivbatch|qemu|l2|l3)-r(\d+)-([\w-]+) (PASS|FAIL)\s*(.*)$')


def run_lab(scenario, cpus, verbose, icount=None):
    """Run the scenario; return {(who, job): [dict per round]} and the log path.

    By default the L2 keeps real time: the VMMs alternate job by job, so
    load from elsewhere on this shared machine falls on both and the ratios
    hold, while the absolute figures move with it. With icount=SHIFT the
    L2's clock counts instructions (2**SHIFT ns each) and the figures repeat
    whatever the load, but a run takes several times longer: nested code
    (the L3) runs at about a tenth of the speed TCG runs the L2 at here,
    and under icount a virtual second is always the same number of
    instructions (measured with SHIFT=3: 61 virtual seconds of the two L3
    guests booting took 644 s)."""
    # The two guests (512M each, set by the scenario) run side by side with a
    # RAM disk and two copies of the tools in the L2: --memory sizes the L2
    # (it gets this plus 1 GiB).
    cmd = [sys.executable, RUN, '--with-qemu', '--memory', '2048M', '--cpus', str(cpus)]
    if icount is not None:
        cmd += ['--icount', str(icount)]
    cmd.append(scenario)
    print('# ' + ' '.join(cmd), flush=True)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = {}
    log = None
    failed = []
    for line in p.stdout:
        if verbose:
            print(line, end='', flush=True)
        m = LINE.search(line)
        if m:
            kind, who, rnd, job, st, rest = m.groups()
            if st != 'PASS':
                failed.append(line.strip())
                continue
            d = {'round': int(rnd)}
            for kv in rest.split():
                k, _, v = kv.partition('=')
                try:
                    d[k] = float(v)
                except ValueError:
                    pass
            out.setdefault((who, job), []).append(d)
        elif 'console log:' in line:
            log = line.split('console log:', 1)[1].strip()
        elif line.startswith('lab: FAIL') or 'SKIPPED' in line:
            print(line, end='')
    rc = p.wait()
    for f in failed:
        print('failed: ' + f)
    if rc == 77:
        sys.exit(77)
    return out, log


def med(rows, key):
    v = [r[key] for r in rows if key in r]
    return statistics.median(v) if v else None


def total(rows, key):
    v = [r[key] for r in rows if key in r]
    return sum(v) if v else None


def fmt(v, spec='%.0f'):
    return '-' if v is None else spec % v


def ratio(a, b):
    return '-' if a is None or not b else '%.2f' % (a / b)


def table(head, rows):
    w = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    for r in [head] + rows:
        print('  '.join(str(c).rjust(w[i]) if i else str(c).ljust(w[i])
                        for i, c in enumerate(r)))


def per_unit(rows, key, unit_key, scale):
    """sum(key) / sum(unit_key) * scale over the rounds (None if missing)."""
    a, b = total(rows, key), total(rows, unit_key)
    if a is None or not b:
        return None
    return a / b * scale
