"""The policy server's batcher merges concurrent requests: shown with events, never with timing."""

from __future__ import annotations

import threading

from prover.distributed.batching import BatchingPolicy


class Gated:
    """A policy whose first call waits at a gate, so the test can queue requests behind it."""

    def __init__(self) -> None:
        self.entered, self.gate, self.calls = threading.Event(), threading.Event(), []

    def propose(self, states, k):
        self.calls.append(list(states))
        if len(self.calls) == 1:
            self.entered.set()
            self.gate.wait(timeout=60)
        return [[(f"t{s}", -1.0)] for s in states]

    def value(self, states):
        return [0.5] * len(states)


def test_requests_that_queue_while_the_model_is_busy_are_answered_in_one_call():
    policy = Gated()
    batcher = BatchingPolicy(policy, max_batch=8, max_wait_ms=0)
    try:
        first = batcher.submit("propose", ["a"], 2)
        assert policy.entered.wait(timeout=60)  # the model is busy with the first request
        queued = [batcher.submit("propose", [s], 2) for s in ("b", "c", "d")]
        policy.gate.set()
        assert first.result(timeout=60) == [[("ta", -1.0)]]
        assert [f.result(timeout=60) for f in queued] == [[[("tb", -1.0)]], [[("tc", -1.0)]], [[("td", -1.0)]]]
        assert policy.calls == [["a"], ["b", "c", "d"]]  # the three waiting requests became one model call
        assert batcher.stats.as_dict()["max_batch_seen"] == 3
    finally:
        batcher.close()


def test_a_batch_never_exceeds_max_batch_and_keeps_each_callers_answers():
    policy = Gated()
    batcher = BatchingPolicy(policy, max_batch=2, max_wait_ms=0)
    try:
        first = batcher.submit("propose", ["a"], 1)
        assert policy.entered.wait(timeout=60)
        queued = [batcher.submit("propose", [s, s + "2"], 1) for s in ("b", "c")]
        policy.gate.set()
        first.result(timeout=60)
        assert [len(f.result(timeout=60)) for f in queued] == [2, 2]
        assert all(len(call) <= 2 for call in policy.calls)
    finally:
        batcher.close()
