"""The validated office configuration, and its loading from the versioned file under deploy/."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import yaml
from pydantic import ValidationError

from .model import ConfigFile, Office, Policy, Region


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


def load_offices(path: Path) -> OfficeDirectory:
    try:
        # libyaml's loader when PyYAML has it: a country's 250 offices parse in well under a second
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    except OSError as exc:
        raise OfficeConfigError(f"{path}: cannot read the office configuration ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise OfficeConfigError(f"{path}: not valid YAML: {exc}") from exc
    return parse_config(_fresh_copy(data), str(path))


def _fresh_copy(data: object) -> object:
    """The same values in new objects. What the YAML parser leaves behind (the strings it shares with
    its node tree, among that tree's freed objects) kept a 250-office file's 25 MB of heap resident in
    every process for its whole life; a copy lets those pages go (DECISIONS §61). Dates become ISO
    strings, which the model reads as dates; a value JSON cannot hold becomes its text, and the model
    says what is wrong with it."""
    return orjson.loads(orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS))
