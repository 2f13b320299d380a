"""The validated office configuration, and its loading from the versioned file under deploy/."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import yaml
from pydantic import ValidationError

from .model import ConfigFile, Office, Policy, Region

log = logging.getLogger(__name__)
CACHE_FORMAT = 1  # the JSON `_parse_yaml` makes; a new format is a new cache entry


class OfficeConfigError(ValueError):
    """The office configuration is not valid; the message lists every problem with its place."""


@dataclass(frozen=True)
class OfficeDirectory:
    version: int
    timezone: ZoneInfo
    regions: Mapping[str, Region]
    offices: Mapping[str, Office]

    def office(self, office_id: str) -> Office | None:
        return self.offices.get(office_id)

    def in_region(self, region_id: str) -> list[Office]:
        return [office for office in self.offices.values() if office.region_id == region_id]

    def __iter__(self) -> Iterator[Office]:
        return iter(self.offices.values())


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"{source}: the office configuration is not valid:"]
    for problem in error.errors():
        place = ".".join(str(part) for part in problem["loc"])
        lines.append(f"  - {place}: {problem['msg']}")
    return "\n".join(lines)


def parse_config(data: object, source: str = "office configuration") -> OfficeDirectory:
    try:
        config = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise OfficeConfigError(_describe(exc, source)) from exc
    except Exception as exc:  # an unknown time zone, for instance
        raise OfficeConfigError(f"{source}: {exc}") from exc

    regions = {region.id: region for region in config.regions}
    offices: dict[str, Office] = {}
    problems: list[str] = []
    for index, spec in enumerate(config.offices):
        place = f"offices[{index}] ({spec.id})"
        if spec.region not in regions:
            problems.append(f"  - {place}: unknown region '{spec.region}' (known: {', '.join(regions)})")
            continue
        if spec.id in offices:
            problems.append(f"  - {place}: office id used twice")
            continue
        policy = config.defaults.policy.model_dump()
        policy.update(spec.policy or {})
        try:
            offices[spec.id] = Office(
                id=spec.id,
                name=spec.name,
                region_id=spec.region,
                drop_in=spec.drop_in,
                drop_in_target_per_day=spec.drop_in_target_per_day,
                expected_drop_ins_per_day=spec.expected_drop_ins_per_day,
                rooms=spec.rooms,
                public_pcs=spec.public_pcs,
                holidays=tuple(sorted({*config.defaults.holidays, *spec.holidays})),
                lines=spec.lines or config.defaults.lines,
                policy=Policy.model_validate(policy),
                counsellors=config.defaults.counsellors if spec.counsellors is None else spec.counsellors,
                devices=config.defaults.devices if spec.devices is None else spec.devices,
            )
        except ValidationError as exc:
            problems.extend(
                f"  - {place}.{line.removeprefix('  - ')}" for line in _describe(exc, "").splitlines()[1:]
            )
    if problems:
        raise OfficeConfigError("\n".join([f"{source}: the office configuration is not valid:", *problems]))
    return OfficeDirectory(
        version=config.version, timezone=ZoneInfo(config.timezone), regions=regions, offices=offices
    )


def load_offices(path: Path, cache_dir: Path | None = None) -> OfficeDirectory:
    """The offices of a YAML file, validated. With `cache_dir`, what the YAML parser made of the file is
    kept there as JSON named by the file's digest, so the other processes and later starts skip the
    parser: a country's 250 offices take about a second to parse and 10 ms to read back
    (docs/decisions/start-up.md). The cached data is validated like freshly parsed data; if it fails,
    the file itself is parsed. The folder must be the service's own: what is in it is read as the
    configuration."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OfficeConfigError(f"{path}: cannot read the office configuration ({exc.strerror})") from exc
    cached = cache_dir / _cache_name(text) if cache_dir else None
    if cached and (data := _read_cached(cached)) is not None:
        with contextlib.suppress(OfficeConfigError):  # an entry gone wrong: parse the file itself
            return parse_config(data, str(path))
    parsed = _parse_yaml(text, path)
    if cached:
        _write_cached(cached, parsed)
    return parse_config(orjson.loads(parsed), str(path))


def _parse_yaml(text: str, path: Path) -> bytes:
    """The file's data as JSON. What the YAML parser leaves behind (the strings it shares with its node
    tree, among that tree's freed objects) kept a 250-office file's 25 MB of heap resident in every
    process for its whole life; values loaded from JSON let those pages go (docs/decisions/start-up.md). Dates
    become ISO strings, which the model reads as dates; a value JSON cannot hold becomes its text, and
    the model says what is wrong with it."""
    try:
        # libyaml's loader when PyYAML has it: several times faster than PyYAML's own
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise OfficeConfigError(f"{path}: not valid YAML: {exc}") from exc
    return orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS)


def _cache_name(text: str) -> str:
    # the parser's version too: another version may read the same text otherwise
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{yaml.__version__}\0{text}".encode()).hexdigest()
    return f"offices-{digest}.json"


def _read_cached(cached: Path) -> object | None:
    try:
        data: object = orjson.loads(cached.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return data


def _write_cached(cached: Path, parsed: bytes) -> None:
    """Writes the cache entry atomically (processes starting together may race) and drops older entries:
    one configuration is in use at a time. A cache that cannot be written only costs the next start
    its parse."""
    partial = cached.with_name(f"{cached.name}.{os.getpid()}.partial")
    try:
        cached.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial.write_bytes(parsed)
        os.replace(partial, cached)
        for older in cached.parent.glob("offices-*.json"):
            if older != cached:
                older.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("office configuration not cached", extra={"path": str(cached), "error": str(exc)})
    finally:
        with contextlib.suppress(OSError):  # gone once replaced; never there if the folder is not
            partial.unlink()
