"""GPU out of memory in a batch job: once more at half the batch size, then on the CPU.

A batch job (classify a file, train a classifier, translate a document) that runs out of GPU memory
usually fits with smaller batches, and the CPU has room when even that fails. ``retry_smaller``
wraps such a job: it runs it again with ``batch_size`` halved and, if the GPU runs out again, with
``device="cpu"`` as well, saying so in the status line (a Progress message) and in a Log note. Only
running out of GPU memory is retried; any other error, or the CPU running out, ends the job as before.
The job is run again whole, so it must leave nothing half-done when it fails (every job here saves
atomically, at its end or per finished epoch).

No torch import here: the exceptions are recognised by their class when torch is already loaded,
and by their message (ONNX Runtime's come from its pybind module). The app's own layers wrap them
(``runtime.explain_oom`` turns one into a ``BackendUnavailable`` that says what to do), so the whole
cause chain (``__cause__`` and ``__context__``) is searched, not just the error that reached the job.
"""
from __future__ import annotations

import functools
import gc
import inspect
import sys
from typing import Any, Callable, Optional, TypeVar

from models.core.events import Log, Partial, Progress, emit

F = TypeVar("F", bound=Callable[..., Any])
#: what ONNX Runtime's errors say when an execution provider cannot allocate
_ORT_OOM = ("failed to allocate memory", "out of memory")


def is_gpu_oom(exc: BaseException) -> bool:
    """True when ``exc``, or an error it was raised from or while handling, says a GPU ran out of memory."""
    seen: set[int] = set()
    link: Optional[BaseException] = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if _says_gpu_oom(link):
            return True
        link = link.__cause__ or link.__context__
    return False


def _says_gpu_oom(exc: BaseException) -> bool:
    """True when ``exc`` itself is torch's or ONNX Runtime's GPU out-of-memory error."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    text = str(exc).lower()
    if type(exc).__module__.startswith("onnxruntime"):
        return any(words in text for words in _ORT_OOM)
    return isinstance(exc, RuntimeError) and "out of memory" in text and ("cuda" in text or "cublas" in text)


def _free_gpu_memory() -> None:
    gc.collect()   # the failed attempt's tensors, now that its traceback is gone
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


class _Arguments:
    """A call's arguments by name, whether the function names them or takes them in ``**options``."""

    def __init__(self, signature: inspect.Signature, args: tuple, kwargs: dict) -> None:
        self.bound = signature.bind(*args, **kwargs)
        self.bound.apply_defaults()
        self._options = next((self.bound.arguments[p.name] for p in signature.parameters.values()
                              if p.kind is inspect.Parameter.VAR_KEYWORD), {})

    def _holder(self, name: str) -> dict:
        return self.bound.arguments if name in self.bound.arguments else self._options

    def get(self, name: str, default: Any = None) -> Any:
        return self._holder(name).get(name, default)

    def set(self, name: str, value: Any) -> None:
        self._holder(name)[name] = value


def retry_smaller(*, restarts_stream: bool = False, **retry_with: Any) -> Callable[[F], F]:
    """Decorate a batch job taking ``batch_size``, ``device`` and ``progress`` (named, or in its
    ``**options``) so that running out of GPU memory retries it as the module says.
    ``retry_with`` are arguments every retry adds (training: replace what the first attempt saved).
    ``restarts_stream``: the job streams ``Partial`` text; each retry first sends ``Partial("",
    restart=True)`` so that listeners drop what the failed attempt streamed instead of showing it twice."""

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            call = _Arguments(signature, args, kwargs)
            on_cpu = str(call.get("device", "auto")).lower() == "cpu"
            halved = False
            while True:
                try:
                    return fn(*call.bound.args, **call.bound.kwargs)
                except Exception as exc:
                    if on_cpu or not is_gpu_oom(exc):
                        raise
                _free_gpu_memory()
                batch = int(call.get("batch_size", 1))
                if batch > 1 and not halved:
                    halved = True
                    call.set("batch_size", batch // 2)
                    message = f"The GPU ran out of memory at batch size {batch}; trying again at {batch // 2}."
                else:
                    on_cpu = True
                    call.set("device", "cpu")
                    message = (f"The GPU ran out of memory at batch size {batch}{' too' if halved else ''}; "
                               "running on the CPU instead.")
                for name, value in retry_with.items():
                    call.set(name, value)
                progress = call.get("progress")
                emit(progress, Log(message, level="warning"))
                emit(progress, Progress(0, None, message))
                if restarts_stream:
                    emit(progress, Partial("", restart=True))

        return wrapper  # type: ignore[return-value]

    return decorate
