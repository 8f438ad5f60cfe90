"""The OpenAI chat-completions request, typed.

Unknown top-level sampling parameters are kept (and forwarded) so clients written for OpenAI keep
working; message and content-part shapes are strict, so a wrong type is a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from router.errors import BadRequest


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextPart(_Strict):
    type: Literal["text"]
    text: str


class ImageURL(_Strict):
    url: str
    detail: Literal["low", "high", "auto"] = "auto"


class ImagePart(_Strict):
    type: Literal["image_url"]
    image_url: ImageURL


class InputAudio(_Strict):
    data: str
    format: Literal["wav", "mp3", "flac", "ogg", "m4a", "webm", "pcm16"] = "wav"


class AudioPart(_Strict):
    type: Literal["input_audio"]
    input_audio: InputAudio


class FileData(_Strict):
    file_data: str | None = None
    file_id: str | None = None
    filename: str | None = None


class FilePart(_Strict):
    type: Literal["file"]
    file: FileData


class VideoURL(_Strict):
    url: str


class VideoPart(_Strict):
    type: Literal["video_url"]
    video_url: VideoURL


class RefusalPart(_Strict):
    type: Literal["refusal"]
    refusal: str


ContentPart = Annotated[
    Union[TextPart, ImagePart, AudioPart, FilePart, VideoPart, RefusalPart], Field(discriminator="type")
]


class FunctionCall(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    arguments: str = ""


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    id: str | None = None
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    include_usage: bool = Field(False, strict=True)


class ChatRequest(BaseModel):
    """A chat completion request. `extra` holds forwarded parameters we do not interpret."""

    model_config = ConfigDict(extra="allow", frozen=True)

    model: str = "auto"
    messages: list[Message] = Field(min_length=1)
    # Scalars are strict, as OpenAI's API is: "yes", 1 or "true" is not a boolean, "10" or 10.5 not a count.
    stream: bool = Field(default=False, strict=True)
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1, strict=True)
    max_completion_tokens: int | None = Field(default=None, ge=1, strict=True)
    temperature: float | None = Field(default=None, ge=0, le=2, strict=True)
    top_p: float | None = Field(default=None, ge=0, le=1, strict=True)
    seed: int | None = Field(default=None, strict=True)
    n: int | None = Field(default=None, ge=1, le=1, strict=True)
    stop: str | list[str] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    user: str | None = None

    @property
    def output_limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


def _loc(loc: tuple[Any, ...]) -> str:
    """('messages', 0, 'content', 'list[tagged-union[...]]', 1, 'image_url', 'image_url', 'url') ->
    'messages[0].content[1].image_url.url' (union-branch labels and a tagged union's tag are not fields)."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and ("[" in part or part in ("str", "list", "none")):
            continue  # pydantic's union-branch labels, not fields
        elif i >= 2 and isinstance(loc[i - 1], int) and str(loc[i - 2]).startswith("list[tagged-union["):
            continue  # the tag pydantic names a tagged union's member by
        else:
            out += f".{part}" if out else str(part)
    return out


def _best(errors: list[Any]) -> Any:
    """The error to report: a tag error first (the part's type is wrong), else the deepest (for a
    `str | list[...]` field holding a list, the list's error, not "should be a valid string")."""
    return min(errors, key=lambda e: (e["type"] != "union_tag_invalid", -len(e["loc"])))


_KINDS = {bool: "true or false", int: "an integer", str: "a string", dict: "an object", list: "an array"}


def require_kinds(payload: Mapping[str, Any], kinds: Mapping[str, type], within: str = "") -> None:
    """BadRequest naming the first field of `payload` (an object at `within`) present, not null, and not
    of its JSON kind in `kinds` (for the endpoints translated to chat, whose own fields ChatRequest never sees)."""
    for key, kind in kinds.items():
        value = payload.get(key)
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            where = f"{within}.{key}" if within else key
            raise BadRequest(f"{where}: expected {_KINDS[kind]}, got {_json_kind(value)}", param=where)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {int: "a number", float: "a number", str: "a string", dict: "an object", list: "an array"}.get(
        type(value), type(value).__name__)


def parse_chat_request(payload: Any) -> ChatRequest:
    """Validate a decoded JSON body; BadRequest naming the first offending field otherwise."""
    if not isinstance(payload, dict):
        raise BadRequest(f"request body must be a JSON object, got {type(payload).__name__}")
    try:
        return ChatRequest.model_validate(payload)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        best = _best(errors)
        where = _loc(tuple(best["loc"]))
        raise BadRequest(f"{where}: {_message(best)}", param=where) from None


def _message(error: Any) -> str:
    """pydantic's message for `error`, without the value it found: a request's content is never echoed
    back (an error may be logged by whatever stands between the client and Turnout)."""
    if error["type"] == "union_tag_invalid":
        return f"unknown {error['ctx']['discriminator'].strip(chr(39))}; allowed: {error['ctx']['expected_tags']}"
    return error["msg"]
