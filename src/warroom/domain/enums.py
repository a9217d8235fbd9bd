"""Closed vocabularies of the incident process."""

from enum import StrEnum


class Stage(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    RESTORING = "restoring"
    MONITORING = "monitoring"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class RoleName(StrEnum):
    COMMANDER = "commander"
    COMMUNICATIONS = "communications"
    RECORDER = "recorder"
    LEAD = "lead"
    WORKER = "worker"
    LIAISON = "liaison"
    EXECUTIVE = "executive"
    OBSERVER = "observer"


class EntryKind(StrEnum):
    NOTE = "note"
    MILESTONE = "milestone"
    HYPOTHESIS = "hypothesis"
    EXPERIMENT = "experiment"
    RESULT = "result"
    MANUAL_CHANGE = "manual-change"
    STATUS_UPDATE = "status-update"
    CUSTOMER_UPDATE = "customer-update"
    STAGE_CHANGE = "stage-change"
    SEVERITY_CHANGE = "severity-change"
    ROLE_CHANGE = "role-change"
    ALERT = "alert"
    SYSTEM = "system"
    CHECKLIST = "checklist"


# Kinds a person may write directly; the others are written by the engine as a
# consequence of a command, so the record cannot claim a stage change that never happened.
FREE_ENTRY_KINDS = frozenset(
    {
        EntryKind.NOTE,
        EntryKind.MILESTONE,
        EntryKind.HYPOTHESIS,
        EntryKind.EXPERIMENT,
        EntryKind.RESULT,
        EntryKind.MANUAL_CHANGE,
    }
)


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    RESTRICTED = "restricted"


class Audience(StrEnum):
    INTERNAL = "internal"
    CUSTOMERS = "customers"
    OBSERVERS = "observers"


class FollowUpKind(StrEnum):
    DURABLE_FIX = "durable-fix"
    PREVENTION = "prevention"
    TEST = "test"
    CLEANUP = "cleanup"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_DOING = "not-doing"


class ExperimentStatus(StrEnum):
    RUNNING = "running"
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


class PagingMode(StrEnum):
    ALWAYS = "always"
    WAKING_HOURS = "waking-hours"


class PostmortemStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class QuietHours(StrEnum):
    # What a waking-hours page does when its person is asleep (document 003: calling
    # before work is fine, waking someone at night is not).
    HOLD = "hold"  # hold it until the start of their waking hours
    NEXT = "next"  # give it to the next person who is awake
