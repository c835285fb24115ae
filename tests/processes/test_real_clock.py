"""The real clock: the virtual clock's interface over wall time, one loop thread, thread-safe posting."""
from __future__ import annotations

import threading
import time

from kubelab.clock import RealClock


def test_callbacks_run_in_due_order_on_the_loop_thread():
    clock = RealClock()
    seen = []
    clock.call_later(0.02, lambda: seen.append(("late", threading.get_ident())))
    clock.call_soon(lambda: seen.append(("soon", threading.get_ident())))
    clock.call_later(0.03, clock.stop)
    clock.run_forever()
    assert [name for name, _ in seen] == ["soon", "late"]
    assert {thread for _, thread in seen} == {threading.get_ident()}


def test_a_reader_thread_posts_into_the_loop_and_stop_ends_it():
    clock = RealClock()
    got = []

    def reader():
        for n in range(3):
            clock.call_soon_threadsafe(got.append, n)
        clock.call_soon_threadsafe(clock.stop)

    threading.Thread(target=reader).start()
    clock.run(5.0)  # bounded: stop() ends it long before
    assert got == [0, 1, 2]


def test_cancelled_timers_do_not_run_and_daemon_timers_are_not_work():
    clock = RealClock()
    ran = []
    timer = clock.call_later(0.01, ran.append, "cancelled")
    clock.call_later(0.01, ran.append, "heartbeat", daemon=True)
    assert clock.pending_work()
    timer.cancel()
    assert not clock.pending_work()
    clock.run(0.05)
    assert ran == ["heartbeat"]


def test_a_failing_callback_is_kept_and_the_loop_goes_on():
    clock = RealClock()
    ran = []
    clock.call_soon(lambda: 1 / 0)
    clock.call_soon(ran.append, "after")
    clock.run(0.02)
    assert ran == ["after"] and "ZeroDivisionError" in clock.errors[0]


def test_a_stop_before_the_loop_starts_is_not_lost():
    clock = RealClock()
    clock.stop()
    started = time.monotonic()
    clock.run(5.0)
    assert time.monotonic() - started < 1.0


def test_an_idle_loop_waits_for_work_posted_from_another_thread():
    clock = RealClock()
    got = []
    poster = threading.Timer(0.05, lambda: clock.call_soon_threadsafe(lambda: (got.append("late"), clock.stop())))
    poster.start()
    clock.run_forever()   # no timer at all at first: it must wait, not fail
    assert got == ["late"]
