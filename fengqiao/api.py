"""The HTTP API under /api/v1: one NinjaAPI, with each app contributing a router."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from fengqiao import __version__
from fengqiao.accounts.api import router as accounts_router
from fengqiao.assessment.api import router as assessment_router
from fengqiao.core.api import BrowserSessionAuth, TokenAuth, install_error_handlers
from fengqiao.corrections.api import router as corrections_router
from fengqiao.corrections.api_ingest import router as corrections_ingest_router
from fengqiao.education.api import router as education_router
from fengqiao.legalnet.api import router as legalnet_router
from fengqiao.legalservices.api import router as legalservices_router
from fengqiao.mediation.api import router as mediation_router
from fengqiao.orgs.api import router as orgs_router
from fengqiao.party.api import router as party_router
from fengqiao.resettlement.api import router as resettlement_router
from fengqiao.supervision.api import router as supervision_router

api = NinjaAPI(
    title="Fengqiao API",
    version=f"v1 ({__version__})",
    description=str(
        _(
            "Partner systems (courts, police stations, petition bureaus, traffic police) and device "
            "gateways authenticate with a bearer token created by a city administrator; the browser "
            "uses its session. Every list and object is limited to the caller's organisations."
        )
    ),
    auth=[TokenAuth(), BrowserSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/orgs", orgs_router)
api.add_router("/mediation", mediation_router)
api.add_router("/corrections", corrections_router)
api.add_router("/corrections", corrections_ingest_router)
api.add_router("/resettlement", resettlement_router)
api.add_router("/legal-services", legalservices_router)
api.add_router("/service-network", legalnet_router)
api.add_router("/supervision", supervision_router)
api.add_router("/education", education_router)
api.add_router("/party", party_router)
api.add_router("/standards", assessment_router)
