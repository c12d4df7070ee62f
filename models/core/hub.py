"""The model hub, through huggingface_hub: what a repository holds, and one file fetched resumably.

huggingface_hub gives the listing (``HfApi.model_info`` with file metadata: sizes, the sha256 of
every LFS file, the git blob id of the others), the resolve HEAD (``get_hf_file_metadata``: the
file's real location, its ETag and size), the HTTP session (proxies, offline mode, headers),
its error types and its hash helpers. What its 2.x downloader does not do, this module does:
``hf_hub_download`` writes to a temporary file unique to the call and deletes it on any failure,
so nothing survives a Stop or a restart; ``http_get`` resumes a dropped transfer only from its last
10 MB chunk and cannot be stopped inside one; and only the size of a file is checked, not its hash.
Here a file grows in a ``.part`` file the caller keeps, a dropped connection resumes with a Range
request from the last byte written, Stop takes effect between network reads, and the finished file
is checked against the hash the hub reports.

Nothing here runs unless the user asked for a download. huggingface_hub is imported inside the
functions (the GUI imports this module's data classes).
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional
from urllib.parse import urlparse

from models.core.events import CancelToken, ModelDeskError, check

DEFAULT_ENDPOINT = "https://huggingface.co"
#: attempts in a row that bring no new byte before a download gives up (the partial file stays)
RETRIES = 3
#: seconds before the first retry; doubled for each further one
RETRY_DELAY = 0.5
#: the longest wait a server's Retry-After is honoured with (a longer one is cut to this)
MAX_RETRY_AFTER = 60.0
#: HTTP answers that mean "not now": busy (429) or failing for a while (5xx); worth a retry
BUSY = 429


@dataclass(frozen=True)
class RemoteFile:
    """One file of a repository, as the hub lists it."""
    path: str
    size: int
    sha256: Optional[str] = None    # LFS files (weights)
    blob_id: Optional[str] = None   # the git blob id (small files kept in git)

    @property
    def digest(self) -> str:
        """What identifies the content: a partial file is kept only while this stays the same."""
        return self.sha256 or self.blob_id or f"size:{self.size}"


@dataclass(frozen=True)
class Listing:
    repo_id: str
    commit: str
    files: tuple[RemoteFile, ...]


def endpoint() -> str:
    """The hub to use, read when called: huggingface_hub reads HF_ENDPOINT only when first imported."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def list_files(repo_id: str, revision: Optional[str] = None) -> Listing:
    """Every file of ``repo_id`` at ``revision`` (default: main) with its size and hash, and the commit."""
    from huggingface_hub import HfApi

    with hub_errors(repo_id):
        info = HfApi(endpoint=endpoint(), token=_token()).model_info(repo_id, revision=revision,
                                                                      files_metadata=True)
    files = tuple(RemoteFile(path=s.rfilename, size=int(s.size if s.size is not None else (s.lfs.size if s.lfs else 0)),
                             sha256=s.lfs.sha256 if s.lfs else None, blob_id=s.blob_id)
                  for s in info.siblings or [])
    return Listing(repo_id, info.sha or revision or "main", files)


def fetch(repo_id: str, commit: str, remote: RemoteFile, part: Path, on_bytes: Callable[[int], None],
          cancel: Optional[CancelToken] = None) -> None:
    """Make ``part`` hold all of ``remote``, appending to what it already holds.

    ``on_bytes(n)`` is called for every n bytes written (negative if the server ignored a Range
    request and the file restarts from zero). A dropped or stalled connection is resumed from the
    last byte written; after RETRIES attempts in a row without a new byte the download stops with
    a ModelDeskError, and ``part`` keeps what arrived. A server answering 429 or 5xx is asked again
    after the wait its ``Retry-After`` says (else the same doubling backoff), as often.
    """
    from huggingface_hub import hf_hub_url

    url = hf_hub_url(repo_id, remote.path, revision=commit, endpoint=endpoint())
    failures = 0
    while True:
        have = _size(part)
        if have == remote.size:
            return
        if have > remote.size:   # not a prefix of this file: start it again
            part.unlink()
            on_bytes(-have)
            continue
        error: Optional[Exception] = None
        wait: Optional[float] = None
        with hub_errors(repo_id):
            try:
                _get(url, remote, part, have, on_bytes, cancel)
            except _transient() as exc:
                error = exc
                wait = retry_after(exc)
                if wait is None and not _is_transport_error(exc):
                    raise
        failures = 0 if _size(part) > have else failures + 1
        if failures >= RETRIES:
            if wait is not None:   # the hub kept answering 429 or 5xx
                code = error.response.status_code  # type: ignore[union-attr]
                raise ModelDeskError(f"The hub answered {code} for '{repo_id}'; try again later (a stopped download "
                                     "resumes where it was).")
            why = f" ({error.__class__.__name__})" if error is not None else ""
            raise ModelDeskError(f"The connection to the hub kept failing{why} while downloading {remote.path} "
                                 f"of {repo_id}; what arrived is kept, so press Download again to resume.")
        if error is not None:
            _pause(wait if wait else RETRY_DELAY * 2 ** max(failures - 1, 0), cancel)


def verify(path: Path, remote: RemoteFile, repo_id: str) -> None:
    """Check a finished file against the size and hash the hub lists; a damaged one is deleted."""
    from huggingface_hub.utils.sha import git_hash, sha_fileobj

    size = _size(path)
    if remote.sha256:
        with open(path, "rb") as fh:
            digest, expected, kind = sha_fileobj(fh).hex(), remote.sha256, "sha256"
    elif remote.blob_id:
        digest, expected, kind = git_hash(path.read_bytes()), remote.blob_id, "git hash"
    else:
        digest = expected = kind = ""
    if size != remote.size or digest != expected:
        path.unlink(missing_ok=True)
        raise ModelDeskError(f"{remote.path} of {repo_id} arrived damaged: its {kind or 'size'} does not match what "
                             f"the hub lists ({expected[:12] or remote.size}), so it was discarded; press Download "
                             "again to fetch it anew.")


@contextmanager
def hub_errors(repo_id: str) -> Iterator[None]:
    """Turn huggingface_hub's and the network's errors into one sentence about ``repo_id``."""
    import httpx2
    from huggingface_hub.errors import (GatedRepoError, HfHubHTTPError, OfflineModeIsEnabled,
                                        RemoteEntryNotFoundError, RepositoryNotFoundError,
                                        RevisionNotFoundError)

    try:
        yield
    except OfflineModeIsEnabled:
        raise ModelDeskError("Downloads are switched off: HF_HUB_OFFLINE is set in the environment.") from None
    except GatedRepoError:
        raise ModelDeskError(f"'{repo_id}' is gated: accept its terms on the hub and log in (hf auth login) "
                             "before downloading it.") from None
    except RepositoryNotFoundError:
        raise ModelDeskError(f"There is no model '{repo_id}' on the hub (or it is private).") from None
    except RevisionNotFoundError:
        raise ModelDeskError(f"'{repo_id}' has no such revision on the hub.") from None
    except RemoteEntryNotFoundError:
        raise ModelDeskError(f"The hub no longer has a file it lists for '{repo_id}'; try again later.") from None
    except HfHubHTTPError as exc:
        code = exc.response.status_code if exc.response is not None else "an error"
        raise ModelDeskError(f"The hub answered {code} for '{repo_id}'; try again later (a stopped download "
                             "resumes where it was).") from None
    except (httpx2.HTTPError, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError)) or getattr(exc, "errno", None) is not None:
            raise   # the disk, not the network: describe_error names the file
        raise ModelDeskError(f"Could not reach the model hub to download '{repo_id}' ({exc.__class__.__name__})."
                             ) from None


def _token() -> Optional[str]:
    """The user's hub token if they logged in, passed explicitly: the app turns implicit tokens off
    (HF_HUB_DISABLE_IMPLICIT_TOKEN), and a gated repository needs one on the download they asked for."""
    from huggingface_hub import get_token

    return get_token()


def _transient() -> tuple[type[Exception], ...]:
    """Errors worth a look for a retry from the last byte: the connection dropped, stalled or could not
    open, or the hub answered an HTTP error (only 429 and 5xx are retried, see ``retry_after``)."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    return (httpx2.TransportError, HfHubHTTPError)


def _is_transport_error(exc: Exception) -> bool:
    import httpx2

    return isinstance(exc, httpx2.TransportError)


def retry_after(exc: Exception) -> Optional[float]:
    """For an HTTP 429 or 5xx answer: the seconds to wait before asking again (its ``Retry-After``,
    in seconds or as a date, at most MAX_RETRY_AFTER; 0 when it gives none); None for anything else."""
    from email.utils import parsedate_to_datetime

    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if not isinstance(status, int) or not (status == BUSY or 500 <= status <= 599):
        return None
    header = (response.headers.get("Retry-After") or "").strip()
    try:
        seconds = float(header)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(header).timestamp() - time.time()
        except (TypeError, ValueError, IndexError):
            seconds = 0.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _get(url: str, remote: RemoteFile, part: Path, have: int, on_bytes: Callable[[int], None],
         cancel: Optional[CancelToken]) -> None:
    """One attempt: resolve the file's location (HEAD), then stream it from byte ``have`` into ``part``."""
    from huggingface_hub import constants, get_hf_file_metadata
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    token = _token()
    meta = get_hf_file_metadata(url, token=token, endpoint=endpoint(), timeout=constants.HF_HUB_ETAG_TIMEOUT)
    if (meta.size is not None and meta.size != remote.size) or (remote.sha256 and meta.etag != remote.sha256):
        raise ModelDeskError(f"The hub describes {remote.path} two ways (its listing and the file disagree), "
                             "as if it changed a moment ago; try again.")
    headers = build_hf_headers(token=token)
    headers["Accept-Encoding"] = "identity"   # byte offsets must be the file's own
    if have:
        headers["Range"] = f"bytes={have}-"
    if _origin(meta.location) != _origin(url):
        headers.pop("authorization", None)    # a token never leaves the hub for a storage host
    with get_session().stream("GET", meta.location, headers=headers,
                              timeout=constants.HF_HUB_DOWNLOAD_TIMEOUT) as response:
        hf_raise_for_status(response)
        mode = "ab"
        if have and response.status_code != 206:   # the server sent the whole file again
            mode = "wb"
            on_bytes(-have)
        with open(part, mode) as fh:
            for chunk in response.iter_raw():       # as it arrives: nothing buffered is lost if the line drops
                fh.write(chunk)
                on_bytes(len(chunk))
                check(cancel)


def _pause(seconds: float, cancel: Optional[CancelToken]) -> None:
    """Wait before a retry; Stop ends the wait at once."""
    if cancel is None:
        time.sleep(seconds)
    elif cancel.wait(seconds):
        check(cancel)


def _origin(url: str) -> tuple[str, str, Optional[int]]:
    parsed = urlparse(url)
    return parsed.scheme, (parsed.hostname or "").lower(), parsed.port


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
