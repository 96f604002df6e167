"""The service-network registry: the five service points of an office (一所五站点, standard 4) and
the kinds of work a village legal advisor (村(居)法律顾问, standard 12) records. Services, forms,
filters, figures and the API all speak these codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PointKind(models.TextChoices):
    """The five service points every judicial office sets up (一所五站点)."""

    NOTARY = "notary", _("Notary assistance point")
    LEGAL_AID = "legal_aid", _("Legal aid station")
    ARBITRATION = "arbitration", _("Arbitration contact point")
    LEGISLATION = "legislation", _("Legislative opinion collection point")
    RECONSIDERATION = "reconsideration", _("Administrative reconsideration contact point")


POINT_KINDS = list(PointKind.values)
# Stored names are Chinese whatever the language of the person who set the point up.
POINT_NAMES = {
    PointKind.NOTARY: "公证协办点",
    PointKind.LEGAL_AID: "法律援助站",
    PointKind.ARBITRATION: "仲裁联系点",
    PointKind.LEGISLATION: "立法民意收集点",
    PointKind.RECONSIDERATION: "行政复议联系点",
}
POINT_COUNT = len(POINT_KINDS)

# The body each kind of point works with; the forms offer these as suggestions.
PARTNERS = {
    PointKind.NOTARY: ["江阴市公证处", "无锡市锡城公证处", "无锡市太湖公证处"],
    PointKind.LEGAL_AID: ["江阴市法律援助中心", "无锡市法律援助中心"],
    PointKind.ARBITRATION: ["无锡仲裁委员会", "江阴市劳动人事争议仲裁委员会"],
    PointKind.LEGISLATION: ["江阴市人大常委会法制工作委员会", "无锡市人大常委会法制工作委员会", "江阴市司法局"],
    PointKind.RECONSIDERATION: ["江阴市人民政府行政复议办公室", "江阴市司法局行政复议科"],
}


class PointStatus(models.TextChoices):
    OPEN = "open", _("In service")
    CLOSED = "closed", _("Closed")


class WorkKind(models.TextChoices):
    """What a village legal advisor's work log counts (one count field per kind)."""

    DUTY = "duty_days", _("Duty days")
    CONSULTATIONS = "consultations", _("Legal consultations")
    LECTURES = "lectures", _("Rule-of-law lectures")
    CONTRACT_REVIEWS = "contract_reviews", _("Contract reviews")
    DISPUTES = "disputes", _("Disputes joined")


WORK_FIELDS = list(WorkKind.values)
# A day's count beyond this is a typing error, not a busy day.
MAX_COUNT = 200
