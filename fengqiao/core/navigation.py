"""The modules a user can open, for the home page and the navigation bar.

Each entry names the module of `core.permissions` it belongs to; a user sees an entry when their
roles grant `view` on that module. Modules still to be built are listed with their state so that
the home page tells staff what the platform covers today.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import Action, Module


@dataclass(frozen=True)
class NavEntry:
    module: str
    label: str
    icon: str
    url_name: str
    action: str = Action.VIEW
    description: str = ""
    # Dotted path of a function(user) → [(label, value, url, tone)] shown on the home page card.
    summary: str = ""
    # Entries of one group share a menu in the navigation bar (see GROUPS).
    group: str = ""

    def url(self):
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


ENTRIES = [
    NavEntry(
        Module.MEDIATION,
        _("People's mediation"),
        "people-fill",
        "mediation:list",
        description=_("Disputes from intake to follow-up and archive"),
        summary="fengqiao.mediation.selectors.home_summary",
    ),
    NavEntry(
        Module.CORRECTIONS,
        _("Community corrections"),
        "shield-check",
        "corrections:today",
        description=_("Subjects from intake to release, supervision, lawful positioning and alerts"),
        summary="fengqiao.corrections.selectors.home_summary",
    ),
    NavEntry(
        Module.RESETTLEMENT,
        _("Resettlement"),
        "house-heart",
        "resettlement:list",
        description=_("Released prisoners in their five-year assistance period"),
        summary="fengqiao.resettlement.selectors.home_summary",
    ),
    NavEntry(
        Module.LEGAL_SERVICES,
        _("Public legal services"),
        "chat-square-text",
        "legalservices:index",
        description=_("Consultations, referrals, opinions for the town, satisfaction and complaints"),
        summary="fengqiao.legalservices.selectors.home_summary",
        group="legal",
    ),
    NavEntry(
        Module.LEGAL_SERVICES,
        _("Service points and legal advisors"),
        "signpost-split",
        "legalnet:index",
        description=_("The five service points of each office and the village legal advisors"),
        summary="fengqiao.legalnet.selectors.home_summary",
        group="legal",
    ),
    NavEntry(
        Module.SUPERVISION,
        _("Law-enforcement supervision"),
        "clipboard-check",
        "supervision:index",
        description=_("Supervision of the town's law enforcement, problems found and their rectification"),
        summary="fengqiao.supervision.selectors.home_summary",
    ),
    NavEntry(
        Module.EDUCATION,
        _("Legal education"),
        "megaphone",
        "education:index",
        description=_("The guidance station, education activities and democracy-and-rule-of-law villages"),
        summary="fengqiao.education.selectors.home_summary",
    ),
    NavEntry(
        Module.PARTY,
        _("Party building"),
        "flag",
        "party:index",
        description=_("The office's party branch, its members, venue and activities"),
        summary="fengqiao.party.selectors.home_summary",
    ),
    NavEntry(
        Module.STANDARDS,
        _("Construction standard"),
        "award",
        "assessment:index",
        description=_("Scorecards of every office, the campaign, inspection, rectification and typical experiences"),
        summary="fengqiao.assessment.selectors.home_summary",
    ),
    NavEntry(
        Module.ORGS,
        _("Organisation tree"),
        "diagram-3",
        "orgs:tree",
        description=_("Bureau, judicial offices, villages and communities"),
        group="platform",
    ),
    NavEntry(
        Module.ACCOUNTS,
        _("Users"),
        "people",
        "accounts:list",
        description=_("Staff accounts and their roles"),
        group="platform",
    ),
    NavEntry(
        Module.AUDIT,
        _("Audit trail"),
        "journal-text",
        "core:audit",
        description=_("Who changed or viewed what, and when"),
        group="platform",
    ),
    NavEntry(
        Module.API_TOKENS,
        _("API tokens"),
        "key",
        "core:tokens",
        description=_("Credentials for courts, police and other partner systems"),
        group="platform",
    ),
    NavEntry(
        Module.API_TOKENS,
        _("Partner webhooks"),
        "broadcast",
        "partners:list",
        description=_("Signed notifications to partner systems when the cases they referred conclude"),
        group="platform",
    ),
]


GROUPS = {
    "legal": (_("Public legal services"), "chat-square-text"),
    "platform": (_("Platform"), "gear"),
}


def grouped(items):
    """The user's entries for the navigation bar: a group with more than one entry becomes a menu,
    placed where its first entry stands."""
    out, menus = [], {}
    for item in items:
        key = item["entry"].group
        if not key:
            out.append({"items": [item]})
        elif key in menus:
            menus[key]["items"].append(item)
        else:
            label, icon = GROUPS[key]
            menus[key] = {"label": label, "icon": icon, "items": [item]}
            out.append(menus[key])
    return out


def summaries_for(user, items):
    """Each module's figures for the home page (only for the modules the user can open)."""
    from django.utils.module_loading import import_string

    for item in items:
        path = item["entry"].summary
        item["figures"] = import_string(path)(user) if path else []
    return items


def modules_for(user):
    """The entries `user` may open, with their URLs (entries without a route yet are left out)."""
    result = []
    for entry in ENTRIES:
        if not user.has_action(entry.module, entry.action):
            continue
        url = entry.url()
        if url:
            result.append({"entry": entry, "url": url})
    return result
