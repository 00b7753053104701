import re

from django.core.paginator import Paginator
from django.utils.translation import gettext as _

DEFAULT_PAGE_SIZE = 20
_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII digits only: "²".isdigit() is True


def paginate(queryset, params, *, page_sizes=(DEFAULT_PAGE_SIZE,), notices=None):
    """A page of `queryset` from ?page= and ?par_page=, never failing on bad values.

    A non-numeric page gives the first page, a page past the end the last one;
    either way a notice says so.
    """
    notices = notices if notices is not None else []
    per_page = page_sizes[0]
    requested_size = params.get("par_page")
    if requested_size:
        if _NUMBER.fullmatch(requested_size) and int(requested_size) in page_sizes:
            per_page = int(requested_size)
        else:
            notices.append(
                _("Nombre de résultats par page inconnu : %(n)d utilisé.") % {"n": per_page}
            )
    paginator = Paginator(queryset, per_page)
    raw = (params.get("page") or "1").strip()
    number = int(raw) if _NUMBER.fullmatch(raw) else None
    if number is None or number < 1:
        notices.append(_("Numéro de page invalide : première page affichée."))
        number = 1
    elif number > paginator.num_pages:
        notices.append(
            _("La page %(asked)s n'existe pas : dernière page affichée.") % {"asked": raw}
        )
        number = paginator.num_pages
    return paginator.page(number), notices
