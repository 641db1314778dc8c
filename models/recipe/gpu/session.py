"""The clock, scratch folder, log and $OUT files of a GPU session's run, and its train.py processes (device_run.py).

Everything a device command leaves in ``$OUT`` comes back only if it fits (at most 8 files of at most 16 MiB);
each train.py gets SIGTERM at its deadline (it saves, then exits) and SIGKILL ``TERM_GRACE_S`` later, so the
whole run ends inside ``--hard-minutes`` with ``BUNDLE_RESERVE_S`` left to write the weights.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from typing import Dict, List, Tuple

import bundle as B

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MAX_OUT_FILES = 8
MAX_OUT_FILE_BYTES = 16 << 20
BUNDLE_RESERVE_S = 25  # writing the chunks and result.json at the end
TERM_GRACE_S = 45  # after SIGTERM, time for the final evaluation and checkpoint before SIGKILL
LOG_COPY_EVERY_S = 15


class RunError(Exception):
    """An expected failure: reported in result.json and on stderr, without a traceback."""


class Session:
    """The run's clock, scratch folder, log, and the files it leaves in $OUT."""

    def __init__(self, args) -> None:
        self.args = args
        self.t0 = time.time()
        self.hard_deadline = self.t0 + args.hard_minutes * 60
        self.work = os.path.abspath(args.work)
        self.out = os.path.abspath(args.out)
        os.makedirs(self.work, exist_ok=True)
        os.makedirs(self.out, exist_ok=True)
        self.own_log = os.path.join(self.work, "device_run.log")
        open(self.own_log, "w").close()
        self.logs: List[str] = []  # train.log files of the probes and stages, in order
        self.result: Dict = {"format": B.FORMAT, "status": "running", "args": vars(args), "models": [], "chunks": []}
        self._last_copy = 0.0
        self.inits: Dict[str, Tuple[str, dict]] = {}

    def elapsed(self) -> float:
        return time.time() - self.t0

    def log(self, msg: str) -> None:
        line = "[device_run %6.1fs] %s" % (self.elapsed(), msg)
        print(line, flush=True)
        with open(self.own_log, "a") as f:
            f.write(line + "\n")

    def copy_logs(self, force: bool = False) -> None:
        """$OUT/train.log = this script's log + every train.log so far (atomic replace)."""
        if not force and time.time() - self._last_copy < LOG_COPY_EVERY_S:
            return
        self._last_copy = time.time()
        tmp = os.path.join(self.out, "train.log.tmp")
        with open(tmp, "w") as out:
            for path in [self.own_log] + self.logs:
                if os.path.exists(path):
                    out.write("==> %s <==\n" % os.path.relpath(path, self.work))
                    with open(path, errors="replace") as f:
                        out.write(f.read())
        os.replace(tmp, os.path.join(self.out, "train.log"))

    def write_result(self) -> None:
        self.result["wall_seconds"] = round(self.elapsed(), 1)
        B.write_json(os.path.join(self.out, B.MANIFEST), self.result)


def run_train(s: Session, cmd: List[str], run: str, deadline: float) -> dict:
    """Run train.py until it ends; SIGTERM at the deadline, SIGKILL TERM_GRACE_S later but before the hard
    deadline (less the time to write the bundle). Returns its outcome."""
    kill_at = min(deadline + TERM_GRACE_S, s.hard_deadline - BUNDLE_RESERVE_S / 2)
    os.makedirs(run, exist_ok=True)
    log_path = os.path.join(run, "train.log")
    s.logs.append(log_path)
    stdout_path = os.path.join(run, "stdout.log")
    s.logs.append(stdout_path)
    start = time.time()
    termed = killed = False
    with open(stdout_path, "w") as so:
        proc = subprocess.Popen(cmd, stdout=so, stderr=subprocess.STDOUT, cwd=ROOT)
        while proc.poll() is None:
            time.sleep(0.2)
            now = time.time()
            if not termed and now > deadline:
                s.log("%s: past its deadline, SIGTERM (train.py saves, then stops)" % os.path.basename(run))
                proc.send_signal(signal.SIGTERM)
                termed = True
            elif termed and not killed and now > kill_at:
                s.log("%s: still running %.0f s after SIGTERM, SIGKILL" % (os.path.basename(run), now - deadline))
                proc.kill()
                killed = True
            s.copy_logs()
    return {"rc": proc.returncode, "wall_seconds": round(time.time() - start, 1), "terminated": termed,
            "killed": killed, "log": log_path}


def parse_log(path: str) -> dict:
    """tok/s of the last logged window, loop seconds, stop reason and last eval of a train.log."""
    rates, reason, last_eval, elapsed = [], None, None, 0.0
    lines = []
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            lines = f.readlines()
    if lines:
        for line in lines:
            m = re.search(r" tok/s (\d+) elapsed (\d+)s", line)
            if m:
                rates.append(float(m.group(1)))
                elapsed = float(m.group(2))
            m = re.search(r"stopped \((\w+)\)", line)
            if m:
                reason = m.group(1)
            if " eval {" in line:
                last_eval = json.loads(line.split(" eval ", 1)[1])
    return {"rates": rates, "reason": reason, "eval": last_eval, "loop_seconds": elapsed}


def check_out_files(out: str) -> List[str]:
    """Problems with what $OUT holds against the return limits (8 files, 16 MiB each)."""
    files = [f for f in os.listdir(out) if os.path.isfile(os.path.join(out, f))]
    problems = []
    if len(files) > MAX_OUT_FILES:
        problems.append("%d files in $OUT (at most %d come back)" % (len(files), MAX_OUT_FILES))
    for f in files:
        if os.path.getsize(os.path.join(out, f)) > MAX_OUT_FILE_BYTES:
            problems.append("%s is over 16 MiB" % f)
    return problems
