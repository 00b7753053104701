"""The OpenAPI 3 description of /api/v1/ (served at /api/v1/openapi.json).

Kept next to the code it describes; tests/test_api_schema.py runs schemathesis
against the application with this document, so the two cannot drift apart.
"""

from offerings.models import SoftwareCategory
from providers.coverage import COVERAGE_HEADER
from providers.coverage import SORTS as COVERAGE_SORTS
from providers.models import Workforce
from providers.search.filters import PAGE_SIZES, RADII, SORTS
from territories.models import Level


def _nullable(schema):
    return {**schema, "nullable": True}


STRING = {"type": "string"}
URL = {"type": "string", "format": "uri"}
SLUG = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}
NAMED = {
    "type": "object",
    "required": ["slug", "nom"],
    "properties": {"slug": SLUG, "nom": STRING},
    "additionalProperties": False,
}
ERROR = {"$ref": "#/components/schemas/Erreur"}


def _error(description):
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _ok(schema, description="Réponse"):
    return {
        "description": description,
        "headers": {"ETag": {"schema": STRING}},
        "content": {"application/json": {"schema": schema}},
    }


COMMON_ERRORS = {
    "304": {"description": "Inchangé depuis l'ETag envoyé dans If-None-Match."},
    "405": _error("Méthode autre que GET ou HEAD : l'API est en lecture seule."),
    "429": _error("Trop de requêtes (voir l'en-tête Retry-After)."),
}
YES_NO = {"type": "string", "enum": ["on", "1", "true", "oui", "off", "0", "false", "non"]}
PAGE = {"type": "integer", "minimum": 1, "maximum": 100_000}


def _query(name, description, schema, explode=False):
    parameter = {"name": name, "in": "query", "required": False, "description": description}
    parameter["schema"] = schema
    if schema.get("type") == "array":
        parameter.update({"style": "form", "explode": True})
    return parameter


def _list(schema):
    return {"type": "array", "items": schema}


def _page(schema_ref):
    return {
        "type": "object",
        "required": ["nombre", "page", "pages", "suivante", "precedente", "resultats"],
        "properties": {
            "nombre": {"type": "integer", "minimum": 0},
            "page": PAGE,
            "pages": {"type": "integer", "minimum": 0},
            "suivante": _nullable(URL),
            "precedente": _nullable(URL),
            "resultats": _list({"$ref": schema_ref}),
        },
    }


COVERAGE = {
    "type": "object",
    "required": [
        "logiciel",
        "categorie",
        "perimetre",
        "niveau",
        "zones_sans_prestataire",
        "zones",
    ],
    "properties": {
        "logiciel": _nullable(NAMED),
        "categorie": _nullable(STRING),
        "perimetre": _nullable({"$ref": "#/components/schemas/Territoire"}),
        "niveau": _nullable({"type": "string", "enum": ["departement", "epci"]}),
        "zones_sans_prestataire": {"type": "integer", "minimum": 0},
        "zones": _list(
            {
                "type": "object",
                "required": COVERAGE_HEADER,
                "properties": {
                    "code": STRING,
                    "territoire": STRING,
                    "niveau": {"type": "string", "enum": ["departement", "epci"]},
                    "prestataires_intervenant": {"type": "integer", "minimum": 0},
                    "prestataires_installes": {"type": "integer", "minimum": 0},
                    "page": URL,
                },
                "additionalProperties": False,
            }
        ),
    },
    "additionalProperties": False,
}
READING = {
    "type": "object",
    "description": "Comment « q » a été lu ; null quand chaque mot a été pris tel quel.",
    "required": ["texte", "lieu_compris", "concepts", "mot_a_mot"],
    "properties": {
        "texte": STRING,
        "lieu_compris": _nullable(STRING),
        "concepts": _list(
            {
                "type": "object",
                "required": ["texte", "types", "noms", "logiciels"],
                "properties": {
                    "texte": STRING,
                    "types": _list({"type": "string", "enum": ["besoin", "produit", "categorie"]}),
                    "noms": _list(STRING),
                    "logiciels": _list(NAMED),
                },
            }
        ),
        "mot_a_mot": URL,
    },
}


def document(server_url="/"):
    territory = {
        "type": "object",
        "required": ["niveau", "code", "nom", "libelle", "population", "url"],
        "properties": {
            "niveau": {"type": "string", "enum": Level.values},
            "code": STRING,
            "nom": STRING,
            "libelle": {"type": "string", "description": "Libellé unique, utilisable dans « ou »."},
            "population": _nullable({"type": "integer", "minimum": 0}),
            "url": URL,
            "contenu_dans": _list({"$ref": "#/components/schemas/Territoire"}),
            "nombre_prestataires_installes": {"type": "integer", "minimum": 0},
            "nombre_prestataires_intervenant": {"type": "integer", "minimum": 0},
            "prestataires": URL,
        },
        "additionalProperties": False,
    }
    software = {
        "type": "object",
        "required": [
            "slug",
            "nom",
            "categorie",
            "categorie_libelle",
            "description",
            "site_web",
            "licence",
            "wikidata",
            "sill_id",
            "comptoir_du_libre_id",
            "besoins",
            "remplace",
            "url",
            "api_url",
        ],
        "properties": {
            "slug": SLUG,
            "nom": STRING,
            "categorie": {"type": "string", "enum": SoftwareCategory.values},
            "categorie_libelle": STRING,
            "description": STRING,
            "site_web": STRING,
            "licence": {"type": "string", "description": "Expression de licence SPDX."},
            "wikidata": _nullable({"type": "string", "pattern": "^Q[1-9][0-9]*$"}),
            "sill_id": _nullable({"type": "integer"}),
            "comptoir_du_libre_id": _nullable({"type": "integer"}),
            "besoins": _list(NAMED),
            "remplace": _list(NAMED),
            "url": URL,
            "api_url": URL,
            "nombre_prestataires": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    }
    provider = {
        "type": "object",
        "required": [
            "slug",
            "nom",
            "siren",
            "url",
            "api_url",
            "description",
            "site_web",
            "email",
            "telephone",
            "adresse",
            "code_postal",
            "siege",
            "toute_la_france",
            "zones_intervention",
            "offres",
            "effectif",
            "annee_creation",
            "labels",
            "accepte_nouveaux_clients",
            "grappe",
            "derniere_verification",
            "publie_le",
            "modifie_le",
            "position",
        ],
        "properties": {
            "slug": SLUG,
            "nom": STRING,
            "siren": _nullable({"type": "string", "pattern": "^[0-9]{9}$"}),
            "url": URL,
            "api_url": URL,
            "description": STRING,
            "site_web": _nullable(STRING),
            "email": _nullable({"type": "string", "format": "email"}),
            "telephone": _nullable(STRING),
            "adresse": STRING,
            "code_postal": STRING,
            "siege": {
                "type": "object",
                "required": ["code_insee", "nom", "libelle", "departement", "region"],
                "properties": {
                    "code_insee": STRING,
                    "nom": STRING,
                    "libelle": STRING,
                    "departement": _nullable(STRING),
                    "region": _nullable(STRING),
                },
                "additionalProperties": False,
            },
            "toute_la_france": {"type": "boolean"},
            "zones_intervention": _list(
                {
                    "type": "object",
                    "required": ["niveau", "code", "libelle"],
                    "properties": {
                        "niveau": {"type": "string", "enum": Level.values},
                        "code": STRING,
                        "libelle": STRING,
                    },
                    "additionalProperties": False,
                }
            ),
            "offres": _list(
                {
                    "type": "object",
                    "required": ["logiciel", "services", "precisions"],
                    "properties": {
                        "logiciel": NAMED,
                        "services": _list(NAMED),
                        "precisions": STRING,
                    },
                    "additionalProperties": False,
                }
            ),
            "effectif": _nullable(
                {
                    "type": "object",
                    "required": ["code", "libelle"],
                    "properties": {
                        "code": {"type": "string", "enum": Workforce.values},
                        "libelle": STRING,
                    },
                    "additionalProperties": False,
                }
            ),
            "annee_creation": _nullable({"type": "integer"}),
            "labels": _list(NAMED),
            "accepte_nouveaux_clients": {"type": "boolean"},
            "grappe": _nullable(STRING),
            "derniere_verification": _nullable({"type": "string", "format": "date-time"}),
            "publie_le": _nullable({"type": "string", "format": "date-time"}),
            "modifie_le": {"type": "string", "format": "date-time"},
            "position": _nullable(
                {
                    "type": "object",
                    "description": "Position (WGS84) : la position précise indiquée par la "
                    "grappe, sinon le point de la commune du siège (« precise » : faux).",
                    "required": ["latitude", "longitude", "precise"],
                    "properties": {
                        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                        "precise": {"type": "boolean"},
                    },
                    "additionalProperties": False,
                }
            ),
            "distance_km": _nullable(
                {
                    "type": "number",
                    "minimum": 0,
                    "description": "Quand « ou » est une commune : distance à vol d'oiseau "
                    "de son point à la position du prestataire, en km (une décimale).",
                }
            ),
            "couvre_le_lieu": {
                "type": "boolean",
                "description": "Quand « ou » est une commune : sa zone d'intervention la "
                "couvre (ou il intervient dans toute la France).",
            },
        },
        "additionalProperties": False,
    }
    slug_path = {"name": "slug", "in": "path", "required": True, "schema": SLUG}
    provider_filters = [
        _query(
            "q",
            "Quoi : texte libre, 200 caractères au plus. Un besoin (« facturation »), une "
            "catégorie (« ERP ») ou un produit à remplacer (« Zoom ») donne les prestataires "
            "des logiciels libres correspondants ; sans « ou », un lieu au début ou à la fin "
            "(« nextcloud lyon ») sert de lieu. La réponse dit comment il a été lu (« lecture »).",
            {"type": "string", "maxLength": 200},
        ),
        _query(
            "litteral",
            "« on » : lire « q » mot à mot, sans besoin, produit, catégorie ni lieu.",
            YES_NO,
        ),
        _query(
            "ou",
            "Où : commune, code postal, EPCI, département, région, ou un libellé "
            "de territoire (« Évry-Courcouronnes (91) »).",
            {"type": "string", "maxLength": 120},
        ),
        _query(
            "local",
            "« on » : seulement les prestataires installés dans le lieu.",
            YES_NO,
        ),
        _query("logiciel", "Slug de logiciel (répétable).", _list(SLUG)),
        _query(
            "categorie",
            "Catégorie de logiciel (répétable).",
            _list({"type": "string", "enum": SoftwareCategory.values}),
        ),
        _query("service", "Slug de type de service (répétable).", _list(SLUG)),
        _query("region", "Slug de la région du siège (répétable).", _list(SLUG)),
        _query(
            "effectif",
            "Tranche d'effectif INSEE (répétable).",
            _list({"type": "string", "enum": Workforce.values}),
        ),
        _query("label", "Slug de label (répétable).", _list(SLUG)),
        _query(
            "disponible",
            "« on » : acceptant de nouveaux clients.",
            YES_NO,
        ),
        _query(
            "rayon",
            "Quand « ou » est une commune : les prestataires dont la position est à moins de "
            "ce nombre de km, plus ceux dont la zone d'intervention couvre la commune.",
            {"type": "string", "enum": [str(km) for km in RADII]},
        ),
        _query(
            "tri",
            "Ordre des résultats ; « distance » (le plus proche d'abord, défaut quand « ou » "
            "est une commune) demande une commune.",
            {"type": "string", "enum": list(SORTS)},
        ),
        _query("page", "Numéro de page.", PAGE),
        _query(
            "par_page",
            "Résultats par page.",
            {"type": "string", "enum": [str(size) for size in PAGE_SIZES]},
        ),
    ]
    coverage_parameters = [
        _query("logiciel", "Slug d'un logiciel.", SLUG),
        _query(
            "categorie",
            "Catégorie de logiciel (pas avec « logiciel »).",
            {"type": "string", "enum": SoftwareCategory.values},
        ),
        _query("region", "Slug d'une région : ses départements.", SLUG),
        _query(
            "departement",
            "Slug d'un département : ses intercommunalités (prime sur « region »).",
            SLUG,
        ),
        _query("tri", "Ordre des zones.", {"type": "string", "enum": list(COVERAGE_SORTS)}),
    ]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "API de l'Annuaire du numérique libre",
            "version": "1.0.0",
            "description": (
                "Entreprises du numérique libre et leurs offres, en lecture seule, sans "
                "authentification. Données sous Licence Ouverte 2.0. Réponses en cache "
                "(ETag, If-None-Match) et nombre de requêtes limité par adresse."
            ),
            "license": {
                "name": "Licence Ouverte 2.0",
                "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            },
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/": {
                "get": {
                    "summary": "Point d'entrée : liens vers les ressources.",
                    "operationId": "index",
                    "responses": {"200": _ok({"type": "object"}), **COMMON_ERRORS},
                }
            },
            "/api/v1/prestataires/": {
                "get": {
                    "summary": "Prestataires publiés, avec les filtres de la recherche.",
                    "operationId": "providers",
                    "parameters": provider_filters,
                    "responses": {
                        "200": _ok(
                            {
                                "allOf": [
                                    _page("#/components/schemas/Prestataire"),
                                    {
                                        "type": "object",
                                        "required": ["lieu", "lecture"],
                                        "properties": {
                                            "lieu": _nullable(
                                                {"$ref": "#/components/schemas/Territoire"}
                                            ),
                                            "lecture": _nullable(READING),
                                        },
                                    },
                                ]
                            }
                        ),
                        "400": _error("Paramètre invalide, inconnu ou lieu ambigu."),
                        "404": _error("Page au-delà de la dernière."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/prestataires/{slug}/": {
                "get": {
                    "summary": "Un prestataire publié.",
                    "operationId": "provider",
                    "parameters": [slug_path],
                    "responses": {
                        "200": _ok({"$ref": "#/components/schemas/Prestataire"}),
                        "404": _error("Prestataire introuvable ou non publié."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/logiciels/": {
                "get": {
                    "summary": "Logiciels, avec le nombre de prestataires publiés.",
                    "operationId": "software_list",
                    "responses": {
                        "200": _ok(
                            {
                                "type": "object",
                                "required": ["resultats"],
                                "properties": {
                                    "resultats": _list({"$ref": "#/components/schemas/Logiciel"})
                                },
                            }
                        ),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/logiciels/{slug}/": {
                "get": {
                    "summary": "Un logiciel.",
                    "operationId": "software",
                    "parameters": [slug_path],
                    "responses": {
                        "200": _ok({"$ref": "#/components/schemas/Logiciel"}),
                        "404": _error("Logiciel introuvable."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/services/": {
                "get": {
                    "summary": "Types de service.",
                    "operationId": "services",
                    "responses": {
                        "200": _ok(
                            {
                                "type": "object",
                                "required": ["resultats"],
                                "properties": {
                                    "resultats": _list(
                                        {
                                            "type": "object",
                                            "required": ["slug", "nom", "description"],
                                            "properties": {
                                                "slug": SLUG,
                                                "nom": STRING,
                                                "description": STRING,
                                            },
                                            "additionalProperties": False,
                                        }
                                    )
                                },
                            }
                        ),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/couverture/": {
                "get": {
                    "summary": "Couverture : par département (ou par EPCI d'un département), "
                    "les prestataires d'un logiciel ou d'une catégorie qui y interviennent et "
                    "ceux qui y sont installés ; les zones sans prestataire d'abord.",
                    "operationId": "coverage",
                    "parameters": coverage_parameters,
                    "responses": {
                        "200": _ok(COVERAGE),
                        "400": _error("Paramètre invalide ou inconnu."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/territoires/": {
                "get": {
                    "summary": "Territoires : les régions par défaut, ou une recherche.",
                    "operationId": "territories",
                    "parameters": [
                        _query(
                            "q",
                            "Nom, code INSEE, code postal ou SIREN d'EPCI.",
                            {"type": "string", "maxLength": 120},
                        ),
                        _query(
                            "niveau",
                            "Niveau de territoire.",
                            {"type": "string", "enum": Level.values},
                        ),
                        _query("page", "Numéro de page.", PAGE),
                    ],
                    "responses": {
                        "200": _ok(_page("#/components/schemas/Territoire")),
                        "400": _error("Paramètre invalide."),
                        "404": _error("Page au-delà de la dernière."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/territoires/{niveau}/{code}/": {
                "get": {
                    "summary": "Un territoire, ce qui le contient et ses nombres de prestataires.",
                    "operationId": "territory",
                    "parameters": [
                        {
                            "name": "niveau",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": Level.values},
                        },
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9AB]{2,9}$"},
                        },
                    ],
                    "responses": {
                        "200": _ok({"$ref": "#/components/schemas/Territoire"}),
                        "404": _error("Territoire introuvable."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/prestataires-sill.json": {
                "get": {
                    "summary": "Prestataires par logiciel du SILL (format lu par le SILL).",
                    "operationId": "sill",
                    "responses": {
                        "200": _ok(
                            _list(
                                {
                                    "type": "object",
                                    "required": ["nom", "sill_id", "prestataires"],
                                    "properties": {
                                        "nom": STRING,
                                        "sill_id": {"type": "integer"},
                                        "prestataires": _list(
                                            {
                                                "type": "object",
                                                "required": ["nom", "siren", "url"],
                                                "properties": {
                                                    "nom": STRING,
                                                    "siren": STRING,
                                                    "url": URL,
                                                },
                                                "additionalProperties": False,
                                            }
                                        ),
                                    },
                                    "additionalProperties": False,
                                }
                            )
                        ),
                        **COMMON_ERRORS,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Prestataire": provider,
                "Logiciel": software,
                "Territoire": territory,
                "Erreur": {
                    "type": "object",
                    "required": ["erreur"],
                    "properties": {"erreur": STRING, "details": _list(STRING)},
                },
            }
        },
    }
