"""How a check fails: "not done yet" (the gap is still open) or "wrong" (with the reason)."""


class ExerciseNotDone(Exception):
    """The exercise's gap still raises NotImplementedError."""


class ExerciseWrong(AssertionError):
    """The learner's code ran but did the wrong thing; the message says what and why."""
