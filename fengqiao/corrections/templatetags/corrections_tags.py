"""Small display helpers of the corrections pages: badge colours by status, people's names, alert
step labels."""

from django import template
from django.utils.translation import gettext_lazy as _

from fengqiao.corrections import codes

register = template.Library()

STATUS_CLASSES = {
    codes.Status.PENDING: "text-bg-warning",
    codes.Status.ACTIVE: "text-bg-primary",
    codes.Status.AT_LARGE: "text-bg-danger",
    codes.Status.RELEASED: "text-bg-success",
    codes.Status.TERMINATED: "text-bg-secondary",
}
PHASE_CLASSES = {
    codes.Phase.AWAITING: "text-bg-warning",
    codes.Phase.INTAKE: "text-bg-info",
    codes.Phase.REGULAR: "text-bg-primary",
    codes.Phase.RELEASE: "text-bg-success",
    codes.Phase.AT_LARGE: "text-bg-danger",
    codes.Phase.RELEASED: "text-bg-secondary",
    codes.Phase.TERMINATED: "text-bg-secondary",
}
ALERT_STATUS_CLASSES = {
    codes.AlertStatus.RAISED: "text-bg-danger",
    codes.AlertStatus.ACKNOWLEDGED: "text-bg-warning",
    codes.AlertStatus.HANDLED: "text-bg-info",
    codes.AlertStatus.CLOSED: "text-bg-secondary",
}
MEASURE_STATUS_CLASSES = {
    codes.MeasureStatus.REQUESTED: "text-bg-warning",
    codes.MeasureStatus.APPROVED: "text-bg-success",
    codes.MeasureStatus.REFUSED: "text-bg-secondary",
    codes.MeasureStatus.ENDED: "text-bg-secondary",
}
LEAVE_STATUS_CLASSES = {
    codes.LeaveStatus.REQUESTED: "text-bg-warning",
    codes.LeaveStatus.APPROVED: "text-bg-primary",
    codes.LeaveStatus.REFUSED: "text-bg-secondary",
    codes.LeaveStatus.RETURNED: "text-bg-success",
    codes.LeaveStatus.CANCELLED: "text-bg-light border",
}
ALERT_STEPS = {
    "raised": codes.AlertStatus.RAISED.label,
    "acknowledged": codes.AlertStatus.ACKNOWLEDGED.label,
    "handled": codes.AlertStatus.HANDLED.label,
    "closed": codes.AlertStatus.CLOSED.label,
    "escalated": _("Escalated to the bureau"),
}


@register.filter
def status_class(value):
    return STATUS_CLASSES.get(value, "text-bg-light border")


@register.filter
def phase_class(value):
    return PHASE_CLASSES.get(value, "text-bg-light border")


@register.filter
def alert_status_class(value):
    return ALERT_STATUS_CLASSES.get(value, "text-bg-light border")


@register.filter
def measure_status_class(value):
    return MEASURE_STATUS_CLASSES.get(value, "text-bg-light border")


@register.filter
def leave_status_class(value):
    return LEAVE_STATUS_CLASSES.get(value, "text-bg-light border")


@register.filter
def alert_step_label(value):
    return ALERT_STEPS.get(value, value)


@register.filter
def person(user):
    """A member of staff by name ("—" for nobody, "system" when the platform acted)."""
    if user is None:
        return "—"
    return user.full_name or user.username
