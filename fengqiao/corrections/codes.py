"""The code registry of community corrections: categories, statuses, phases, events, measures and
alerts. Codes follow GB/T 31000-2015 where it has them (categories, correction-team roles) and the
Community Corrections Law (the five grounds of article 29); every other list lives here and only
here, so that forms, services, the API and the statistics all speak the same codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """矫正类别 (GB/T 31000-2015; 05 剥夺政治权利 is no longer a corrections category)."""

    CONTROL = "01", _("Public surveillance (管制)")
    PROBATION = "02", _("Probation (缓刑)")
    PAROLE = "03", _("Parole (假释)")
    MEDICAL_PAROLE = "04", _("Temporary service outside prison (暂予监外执行)")


class TeamRole(models.TextChoices):
    """矫正小组成员类型 (GB/T 31000-2015)."""

    OFFICE = "01", _("Judicial office staff")
    SOCIAL_WORKER = "02", _("Social worker")
    VOLUNTEER = "03", _("Volunteer")
    COMMITTEE = "04", _("Village or residents' committee member")
    EMPLOYER = "05", _("Employer")
    SCHOOL = "06", _("School")
    FAMILY = "07", _("Family member or guardian")
    GUARANTOR = "08", _("Guarantor")
    OTHER = "99", _("Other")


class Status(models.TextChoices):
    """Where a subject stands. The phase within correction is derived (see `phase_of`)."""

    PENDING = "pending", _("Awaiting intake")
    ACTIVE = "active", _("Under correction")
    AT_LARGE = "at_large", _("At large (在逃)")
    RELEASED = "released", _("Released (解除)")
    TERMINATED = "terminated", _("Terminated (终止)")


OPEN_STATUSES = (Status.PENDING, Status.ACTIVE, Status.AT_LARGE)


class Phase(models.TextChoices):
    """三期分段: derived from dates and events, never typed by hand."""

    AWAITING = "awaiting", _("Awaiting report")
    INTAKE = "intake", _("Intake phase")
    REGULAR = "regular", _("Regular correction")
    RELEASE = "release", _("Release phase")
    AT_LARGE = "at_large", _("At large")
    RELEASED = "released", _("Released")
    TERMINATED = "terminated", _("Terminated")


class EndKind(models.TextChoices):
    """How corrections ends: 解除 (term expired, pardon) or 终止 (revocation and committal, death)."""

    EXPIRED = "expired", _("Released: term expired")
    PARDON = "pardon", _("Released: pardon")
    REVOKED = "revoked", _("Terminated: revocation and committal")
    DEATH = "death", _("Terminated: death")


END_STATUS = {
    EndKind.EXPIRED: Status.RELEASED,
    EndKind.PARDON: Status.RELEASED,
    EndKind.REVOKED: Status.TERMINATED,
    EndKind.DEATH: Status.TERMINATED,
}


class Gender(models.TextChoices):
    MALE = "1", _("Male")
    FEMALE = "2", _("Female")


class RewardKind(models.TextChoices):
    """考核奖惩: a praise may loosen the supervision level, a sanction tightens it."""

    PRAISE = "praise", _("Praise (表扬)")
    WARNING = "warning", _("Warning (警告)")
    SECURITY_PENALTY = "security_penalty", _("Proposed public-security penalty (提请治安管理处罚)")
    REVOCATION = "revocation", _("Proposed revocation (提请撤销缓刑、假释或暂予监外执行)")


SANCTIONS = (RewardKind.WARNING, RewardKind.SECURITY_PENALTY, RewardKind.REVOCATION)


class ContactKind(models.TextChoices):
    """报到、定期报告 and 实地查访: every one of them counts as contact for 脱管 detection."""

    REPORT_IN_PERSON = "report_in_person", _("Report in person")
    REPORT_PHONE = "report_phone", _("Report by phone")
    REPORT_VIDEO = "report_video", _("Report by video")
    VISIT = "visit", _("Field visit (实地查访)")


REPORT_KINDS = (ContactKind.REPORT_IN_PERSON, ContactKind.REPORT_PHONE, ContactKind.REPORT_VIDEO)


class ActivityKind(models.TextChoices):
    EDUCATION = "education", _("Education and learning")
    PUBLIC_INTEREST = "public_interest", _("Public-interest activity")


class LeaveStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


# Leaves that hold their dates: a new one may not overlap them.
LEAVE_HOLDING = (LeaveStatus.REQUESTED, LeaveStatus.APPROVED, LeaveStatus.RETURNED)


class Ground(models.TextChoices):
    """The five grounds of article 29 of the Community Corrections Law; nothing else opens a measure."""

    BAN_VIOLATION = "1", _("Violated a court prohibition order (禁止令)")
    LEFT_AREA = "2", _("Left the city or county without approval and without good reason")
    REFUSED_REPORT = "3", _("Refused to report activities and has been warned")
    SECURITY_PENALTY = "4", _("Received a public-security penalty for violating supervision rules")
    REVOCATION = "5", _("About to be proposed for revocation")


class MeasureStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    ENDED = "ended", _("Ended")


MEASURE_MAX_MONTHS = 3


class DeviceKind(models.TextChoices):
    WRISTBAND = "wristband", _("Wristband")
    PHONE = "phone", _("Phone")


class Datum(models.TextChoices):
    WGS84 = "WGS84", "WGS-84"
    GCJ02 = "GCJ02", "GCJ-02"


class FixSource(models.TextChoices):
    GPS = "gps", "GPS"
    CELL = "cell", _("Cell tower (基站)")
    WIFI = "wifi", "WiFi"


FIX_SOURCES = {"gps": 0, "cell": 1, "wifi": 2}
DATUMS = {"WGS84": 0, "GCJ02": 1}


class FenceKind(models.TextChoices):
    AREA = "area", _("Permitted area")
    BANNED = "banned", _("Banned place (禁止令)")


class AlertKind(models.TextChoices):
    MISSED_INTAKE = "missed_intake", _("Never taken in (漏管)")
    LOST_CONTACT = "lost_contact", _("Lost contact (脱管)")
    LEAVE_OVERDUE = "leave_overdue", _("Not back from leave (脱管)")
    OUT_OF_AREA = "out_of_area", _("Left the permitted area (越界)")
    BANNED_PLACE = "banned_place", _("Entered a banned place (重点场所)")
    SIGNAL_LOST = "signal_lost", _("Signal lost (信号中断)")
    LOW_BATTERY = "low_battery", _("Low battery (低电量)")
    TAMPER = "tamper", _("Device removed (拆卸)")
    CO_OFFENDERS = "co_offenders", _("Co-offenders together (同案犯聚集)")


# Alerts that come from the positioning stream; the others come from the register.
POSITION_ALERTS = (
    AlertKind.OUT_OF_AREA,
    AlertKind.BANNED_PLACE,
    AlertKind.SIGNAL_LOST,
    AlertKind.LOW_BATTERY,
    AlertKind.TAMPER,
    AlertKind.CO_OFFENDERS,
)
# Both count as 脱管 in the metrics.
LOST_KINDS = (AlertKind.LOST_CONTACT, AlertKind.LEAVE_OVERDUE)


class AlertStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    HANDLED = "handled", _("Handled")
    CLOSED = "closed", _("Closed")


OPEN_ALERT_STATUSES = (AlertStatus.RAISED, AlertStatus.ACKNOWLEDGED, AlertStatus.HANDLED)

# raised → acknowledged → handled → closed; nothing goes back.
ALERT_TRANSITIONS = {
    "acknowledge": ((AlertStatus.RAISED,), AlertStatus.ACKNOWLEDGED),
    "handle": ((AlertStatus.RAISED, AlertStatus.ACKNOWLEDGED), AlertStatus.HANDLED),
    "close": ((AlertStatus.HANDLED,), AlertStatus.CLOSED),
}


class EventKind(models.TextChoices):
    """Entries of a subject's timeline."""

    REGISTERED = "registered", _("Registered")
    REPORTED = "reported", _("Reported for intake")
    INTERVIEW = "interview", _("Intake interview")
    INTAKE_EDUCATION = "intake_education", _("Intake education")
    CHANGED = "changed", _("Details changed")
    WORKER = "worker", _("Social worker assigned")
    TEAM = "team", _("Correction team changed")
    LEVEL = "level", _("Supervision level changed")
    REWARD = "reward", _("Reward or sanction")
    CONTACT = "contact", _("Report or visit")
    ACTIVITY = "activity", _("Education or public-interest hours")
    LEAVE = "leave", _("Leave")
    RESIDENCE = "residence", _("Change of residence")
    AT_LARGE = "at_large", _("At large")
    FOUND = "found", _("Back under supervision")
    MEASURE = "measure", _("Positioning measure")
    DEVICE = "device", _("Device")
    ALERT = "alert", _("Alert")
    ENDED = "ended", _("Corrections ended")
