from types import SimpleNamespace

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from .permissions import user_spaces

# What django-dsfr's templates read as SITE_CONFIG, fixed here rather than in
# its database table: the portal's identity is not something to edit live,
# and it saves a query on every page.
SITE_CONFIG = SimpleNamespace(
    site_title=_("Fabriques Prospectives"),
    site_tagline=_("Agence nationale de la cohésion des territoires"),
    header_brand_html="République<br>Française",
    footer_brand_html="République<br>Française",
    footer_description=_(
        "Les Fabriques Prospectives accompagnent chaque année des territoires "
        "volontaires dans l'élaboration de leur feuille de route face aux transitions."
    ),
    mourning=False,
    beta_tag=False,
    notice_title="",
    notice_description="",
)


def spaces(request):
    """The portal's identity and the working spaces of the user, for the header."""
    return {
        "SITE_CONFIG": SITE_CONFIG,
        "user_spaces": SimpleLazyObject(lambda: user_spaces(request.user)),
    }
