"""Running a learner's code inside a check: a time limit, and a crash turned into a hint.

    result = attempt(add_replicas, store, key, 3, exercise="ex 1.1", case="a Deployment with 0 replicas")

A check calls the learner's function on several cases. Two things must never happen to the
learner: the kernel hanging on an endless retry loop, and an eight-frame traceback from
inside a check they did not write. So each call runs under a time limit (`SECONDS`, wall
clock: this guards the learner's code, it is not part of the simulation), and any exception
from the learner's code becomes an `ExerciseWrong` that names the exercise, the case, and
the exception in one line. `NotImplementedError` (the untouched gap) becomes
`ExerciseNotDone` with the exercise's TODO message.

The limit is a SIGALRM timer where the check runs on the main thread (a notebook's kernel, a
test), and a trace function counting time between lines elsewhere.
"""
from __future__ import annotations

import signal
import sys
import threading
import time

from .errors import ExerciseNotDone, ExerciseWrong

SECONDS = 2.0


class _TimeUp(BaseException):
    """Raised inside the learner's code when its time is up (BaseException: `except Exception`
    in the learner's loop does not swallow it)."""


def _limited(function, args, kwargs, seconds: float):
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        def time_up(signum, frame):
            raise _TimeUp()
        previous = signal.signal(signal.SIGALRM, time_up)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return function(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    deadline = time.monotonic() + seconds

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise _TimeUp()
        return tracer
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return function(*args, **kwargs)
    finally:
        sys.settrace(previous)


def attempt(function, *args, exercise: str, case: str, todo: str, seconds: float = SECONDS,
            who: str | None = None, **kwargs):
    """Call the learner's `function(*args)` for one case; its result, or a one-line hint.
    `who` names the learner's code when `function` is the check's own wrapper around it."""
    name = who or getattr(function, "__name__", "your code")
    try:
        return _limited(function, args, kwargs, seconds)
    except NotImplementedError as gap:
        raise ExerciseNotDone(f"{exercise} is not solved yet ({gap}): {todo}") from None
    except _TimeUp:
        raise ExerciseWrong(f"{name} did not finish within {seconds:g} s on {case}: a loop that never "
                            "ends? A retry must read again before it tries again.") from None
    except (ExerciseWrong, ExerciseNotDone):
        raise
    except Exception as error:  # the learner's crash, as one line naming the input
        raise ExerciseWrong(f"{name} crashed on {case}: {type(error).__name__}: {error}") from None
