"""Demonstration data: fictional providers and clusters, offering real open-source software
(the reference catalogue, offerings/data/catalogue.toml).

Every provider here is invented: no SIREN (a made-up one could be a real
company's), websites and e-mails under the reserved `.example` domain, phone
numbers from the ranges ARCEP keeps for fiction (01 99 00…, 02 61 91…,
03 53 01…, 04 65 71…, 05 36 49…). Rows are flagged `is_demo` and their
descriptions say « Entreprise fictive ».
"""

from providers.models import LabelKind, Status

DEMO_NOTICE = "Entreprise fictive (données de démonstration)."

CLUSTERS = [
    ("Grappe démo Île-de-France", ["11", "24"]),
    ("Grappe démo Auvergne-Rhône-Alpes", ["84", "27"]),
    ("Grappe démo Sud", ["93", "94"]),
    ("Grappe démo Occitanie", ["76"]),
    ("Grappe démo Nouvelle-Aquitaine", ["75"]),
    ("Grappe démo Grand Ouest", ["52", "53", "28"]),
    ("Grappe démo Nord-Est", ["32", "44"]),
    ("Grappe démo Outre-mer", ["01", "02", "03", "04", "06"]),
]

LABELS = [
    (
        "Qualiopi",
        LabelKind.CERTIFICATION,
        "Certification qualité des organismes de formation (permet le financement public).",
        "",
    ),
    (
        "Dolibarr Preferred Partner",
        LabelKind.PARTNER,
        "Partenaire reconnu par l'association Dolibarr.",
        "Dolibarr",
    ),
    ("Partenaire Nextcloud", LabelKind.PARTNER, "Partenaire de l'éditeur Nextcloud.", "Nextcloud"),
    (
        "Membre CHATONS",
        LabelKind.NETWORK,
        "Collectif des hébergeurs alternatifs, transparents, ouverts, neutres et solidaires.",
        "",
    ),
    ("Entreprise de l'ESS", LabelKind.ESS, "Structure de l'économie sociale et solidaire.", ""),
]

# Profile -> (offerings as (software, service kinds), what the company does).
PROFILES = {
    "erp": (
        [
            ("Dolibarr", ["installation", "formation", "support", "migration"]),
            ("Odoo Community", ["installation", "developpement"]),
        ],
        "{name} installe Dolibarr et Odoo pour les TPE, PME et associations : devis, "
        "factures, stocks, comptabilité. Reprise de vos fichiers Excel, formation des "
        "équipes et assistance au quotidien.",
    ),
    "dolibarr": (
        [("Dolibarr", ["installation", "hebergement", "support", "formation", "developpement"])],
        "{name} est spécialisée dans Dolibarr : installation, modules sur mesure, "
        "hébergement sécurisé et formation. Nous accompagnons artisans, commerçants et "
        "PME qui veulent quitter le tableur pour leur facturation.",
    ),
    "hosting": (
        [
            ("Nextcloud", ["hebergement", "support", "migration"]),
            ("Collabora Online", ["hebergement"]),
            ("Jitsi Meet", ["hebergement"]),
        ],
        "{name} héberge vos outils collaboratifs en France : Nextcloud, édition en ligne "
        "avec Collabora, visioconférence Jitsi. Sauvegardes quotidiennes, mises à jour et "
        "support en français.",
    ),
    "office": (
        [
            ("LibreOffice", ["formation", "migration", "support"]),
            ("Nextcloud", ["installation", "formation"]),
            ("ONLYOFFICE Docs", ["installation"]),
        ],
        "{name} accompagne le passage à la bureautique libre : migration vers LibreOffice, "
        "conversion des modèles, formation des agents et des salariés, partage de fichiers "
        "avec Nextcloud.",
    ),
    "training": (
        [
            ("Moodle", ["installation", "hebergement", "formation"]),
            ("BigBlueButton", ["hebergement", "formation"]),
            ("LibreOffice", ["formation"]),
        ],
        "{name} est un organisme de formation au numérique libre. Nous concevons vos "
        "parcours sur Moodle, animons des classes virtuelles BigBlueButton et formons vos "
        "équipes à LibreOffice.",
    ),
    "web": (
        [
            ("WordPress", ["installation", "developpement", "hebergement", "formation"]),
            ("Drupal", ["developpement", "support"]),
            ("Matomo", ["installation", "conseil"]),
        ],
        "{name} crée des sites web accessibles et sobres avec WordPress et Drupal, mesure "
        "l'audience avec Matomo sans bandeau de pistage, et forme vos équipes à la mise à "
        "jour des contenus.",
    ),
    "infra": (
        [
            ("Proxmox VE", ["installation", "support", "conseil", "migration"]),
            ("GLPI", ["installation", "support"]),
        ],
        "{name} conçoit et maintient l'infrastructure des PME et des collectivités : "
        "virtualisation Proxmox, sauvegardes, gestion de parc et assistance avec GLPI.",
    ),
    "collab": (
        [
            ("Mattermost", ["installation", "hebergement"]),
            ("Nextcloud", ["installation", "hebergement", "formation"]),
            ("Jitsi Meet", ["installation"]),
        ],
        "{name} met en place des espaces de travail collaboratifs souverains : messagerie "
        "d'équipe Mattermost, fichiers et agendas Nextcloud, visioconférence Jitsi.",
    ),
    "media": (
        [
            ("PeerTube", ["installation", "hebergement"]),
            ("BigBlueButton", ["installation", "support"]),
            ("Jitsi Meet", ["installation", "support"]),
        ],
        "{name} diffuse vos vidéos et vos événements en ligne avec PeerTube, BigBlueButton "
        "et Jitsi, sur des serveurs situés en France.",
    ),
    "itsm": (
        [
            ("GLPI", ["installation", "formation", "developpement", "support"]),
            ("Matomo", ["installation"]),
        ],
        "{name} déploie GLPI pour gérer le parc informatique et l'assistance des "
        "collectivités et des PME : inventaire, tickets, contrats, tableaux de bord.",
    ),
}

# (name, seat INSEE code, profile, service areas, workforce, year founded, labels, accepts)
# Service areas: "commune", "epci", "dep", "region" (the seat's), "dep:CODE",
# "region:CODE", "france".
PROVIDERS = [
    (
        "Essonne Gestion Libre",
        "91228",
        "dolibarr",
        ["dep", "dep:77"],
        "02",
        2014,
        ["Dolibarr Preferred Partner", "Qualiopi"],
        True,
    ),
    ("Atelier Facture Ouverte", "91377", "erp", ["dep", "dep:92"], "01", 2019, [], True),
    (
        "Nuage Francilien",
        "93048",
        "hosting",
        ["region", "france"],
        "11",
        2012,
        ["Partenaire Nextcloud", "Membre CHATONS"],
        True,
    ),
    (
        "Coopérative Libre Plaine",
        "93066",
        "collab",
        ["dep", "dep:75", "dep:95"],
        "03",
        2016,
        ["Entreprise de l'ESS"],
        True,
    ),
    ("Bureautique Ouverte Paris", "75056", "office", ["region"], "12", 2008, ["Qualiopi"], True),
    (
        "Formations Logiciels Libres Versailles",
        "78646",
        "training",
        ["dep", "dep:92"],
        "02",
        2011,
        ["Qualiopi"],
        True,
    ),
    ("Boulogne Web Accessible", "92012", "web", ["epci"], "01", 2020, [], True),
    ("Infra Libre Seine", "75056", "infra", ["france"], "21", 2005, [], True),
    (
        "Lyon Gestion Ouverte",
        "69123",
        "erp",
        ["dep", "dep:01"],
        "11",
        2013,
        ["Dolibarr Preferred Partner"],
        True,
    ),
    (
        "Rhône Nuage Coop",
        "69266",
        "hosting",
        ["region"],
        "03",
        2017,
        ["Membre CHATONS", "Entreprise de l'ESS"],
        True,
    ),
    (
        "Alpes Formation Numérique",
        "38185",
        "training",
        ["dep", "dep:73", "dep:74"],
        "02",
        2010,
        ["Qualiopi"],
        True,
    ),
    ("Volcans Informatique Libre", "63113", "itsm", ["region"], "11", 2002, [], True),
    ("Annecy Sites et Contenus", "74010", "web", ["epci", "dep"], "01", 2021, [], False),
    ("Forez Libre Services", "42218", "infra", ["dep", "dep:43"], "02", 2015, [], True),
    ("Savoie Collaboratif", "73065", "collab", ["dep"], "00", 2022, [], True),
    (
        "Drôme Dolibarr Conseil",
        "26362",
        "dolibarr",
        ["dep", "dep:07"],
        "00",
        2018,
        ["Dolibarr Preferred Partner"],
        True,
    ),
    ("Calanques Numérique Libre", "13055", "erp", ["dep", "dep:83"], "11", 2009, [], True),
    (
        "Provence Hébergement Éthique",
        "13001",
        "hosting",
        ["region"],
        "02",
        2016,
        ["Membre CHATONS"],
        True,
    ),
    ("Azur Web Libre", "06088", "web", ["dep"], "03", 2012, [], True),
    ("Var Infogérance Ouverte", "83137", "infra", ["dep", "dep:13"], "11", 2007, [], True),
    ("Vaucluse Formation Libre", "84007", "training", ["dep"], "01", 2019, ["Qualiopi"], True),
    ("Corse Numérique Ouvert", "2A004", "collab", ["region"], "01", 2020, [], True),
    ("Bastia Gestion Libre", "2B033", "dolibarr", ["dep"], "00", 2023, [], True),
    (
        "Garonne Logiciels Libres",
        "31555",
        "erp",
        ["region"],
        "12",
        2006,
        ["Dolibarr Preferred Partner"],
        True,
    ),
    (
        "Occitanie Cloud Solidaire",
        "34172",
        "hosting",
        ["region", "france"],
        "03",
        2015,
        ["Membre CHATONS", "Entreprise de l'ESS"],
        True,
    ),
    ("Nîmes Parc Informatique", "30189", "itsm", ["dep", "dep:34"], "02", 2011, [], True),
    ("Catalogne Web Ouvert", "66136", "web", ["dep"], "01", 2018, [], True),
    (
        "Tarn Formation Numérique",
        "81004",
        "training",
        ["dep", "dep:12", "dep:82"],
        "01",
        2017,
        ["Qualiopi"],
        True,
    ),
    ("Toulouse Vidéo Libre", "31555", "media", ["france"], "02", 2019, [], True),
    (
        "Gironde Gestion Ouverte",
        "33063",
        "dolibarr",
        ["dep", "dep:24", "dep:47"],
        "03",
        2010,
        ["Dolibarr Preferred Partner", "Qualiopi"],
        True,
    ),
    ("Aquitaine Nuage", "33063", "hosting", ["region"], "11", 2014, ["Partenaire Nextcloud"], True),
    (
        "Béarn Informatique Libre",
        "64445",
        "infra",
        ["dep", "dep:65", "dep:40"],
        "02",
        2004,
        [],
        True,
    ),
    (
        "Poitou Bureautique Libre",
        "86194",
        "office",
        ["dep", "dep:79", "dep:16"],
        "01",
        2016,
        ["Qualiopi"],
        True,
    ),
    ("Limousin Numérique Ouvert", "87085", "collab", ["region"], "00", 2021, [], True),
    ("Rochelle Web Sobre", "17300", "web", ["epci", "dep"], "01", 2020, [], True),
    ("Basque Gestion Libre", "64102", "erp", ["dep", "dep:40"], "01", 2018, [], True),
    (
        "Loire Logiciels Libres",
        "44109",
        "erp",
        ["region"],
        "12",
        2003,
        ["Dolibarr Preferred Partner"],
        True,
    ),
    (
        "Nantes Hébergement Coopératif",
        "44109",
        "hosting",
        ["region", "region:53"],
        "03",
        2013,
        ["Membre CHATONS", "Entreprise de l'ESS"],
        True,
    ),
    (
        "Anjou Formation Libre",
        "49007",
        "training",
        ["dep", "dep:72", "dep:53"],
        "02",
        2012,
        ["Qualiopi"],
        True,
    ),
    ("Sarthe Parc et Assistance", "72181", "itsm", ["dep"], "01", 2017, [], True),
    ("Vendée Web Libre", "85191", "web", ["dep"], "00", 2022, [], True),
    (
        "Rennes Collaboratif Libre",
        "35238",
        "collab",
        ["region"],
        "11",
        2011,
        ["Partenaire Nextcloud"],
        True,
    ),
    (
        "Finistère Gestion Ouverte",
        "29019",
        "dolibarr",
        ["dep"],
        "01",
        2015,
        ["Dolibarr Preferred Partner"],
        True,
    ),
    ("Morbihan Infra Libre", "56260", "infra", ["dep", "dep:22"], "02", 2009, [], True),
    ("Armor Vidéo Ouverte", "22278", "media", ["region"], "00", 2021, [], True),
    ("Cornouaille Bureautique", "29232", "office", ["dep"], "01", 2014, [], True),
    ("Normandie Logiciels Libres", "14118", "erp", ["region"], "11", 2008, [], True),
    (
        "Rouen Cloud Libre",
        "76540",
        "hosting",
        ["dep", "dep:27"],
        "02",
        2016,
        ["Membre CHATONS"],
        True,
    ),
    ("Cotentin Numérique", "50129", "infra", ["dep"], "01", 2019, [], True),
    (
        "Flandre Gestion Libre",
        "59350",
        "dolibarr",
        ["dep", "dep:62"],
        "03",
        2012,
        ["Dolibarr Preferred Partner", "Qualiopi"],
        True,
    ),
    (
        "Roubaix Coopérative Numérique",
        "59512",
        "collab",
        ["epci", "dep"],
        "02",
        2018,
        ["Entreprise de l'ESS"],
        True,
    ),
    (
        "Picardie Formation Libre",
        "80021",
        "training",
        ["dep", "dep:60", "dep:02"],
        "01",
        2015,
        ["Qualiopi"],
        True,
    ),
    ("Artois Parc Informatique", "62041", "itsm", ["dep"], "02", 2010, [], True),
    (
        "Alsace Logiciels Ouverts",
        "67482",
        "erp",
        ["region"],
        "12",
        2005,
        ["Dolibarr Preferred Partner"],
        True,
    ),
    (
        "Moselle Nuage Souverain",
        "57463",
        "hosting",
        ["dep", "dep:54"],
        "11",
        2014,
        ["Partenaire Nextcloud"],
        True,
    ),
    ("Lorraine Web Accessible", "54395", "web", ["dep", "dep:88"], "01", 2017, [], True),
    ("Champagne Infra Libre", "51454", "infra", ["dep", "dep:10"], "02", 2011, [], True),
    ("Bourgogne Gestion Libre", "21231", "dolibarr", ["region"], "02", 2013, ["Qualiopi"], True),
    ("Doubs Collaboratif", "25056", "collab", ["dep", "dep:39"], "01", 2020, [], True),
    (
        "Val de Loire Formation Libre",
        "37261",
        "training",
        ["region"],
        "02",
        2014,
        ["Qualiopi"],
        True,
    ),
    ("Orléans Infogérance Libre", "45234", "infra", ["dep", "dep:41"], "03", 2008, [], True),
    ("Berry Web Ouvert", "18033", "web", ["dep"], "00", 2023, [], True),
    ("Réunion Numérique Libre", "97411", "hosting", ["region"], "02", 2016, [], True),
    ("Caraïbes Logiciels Libres", "97209", "erp", ["dep", "dep:971"], "01", 2018, [], True),
    ("Guyane Informatique Ouverte", "97302", "itsm", ["dep"], "01", 2019, [], True),
    # Not public: a submission awaiting review, a draft, an archived listing.
    ("Essonne Nuage en Projet", "91228", "hosting", ["dep"], "00", 2026, [], True),
    ("Brouillon Libre Conseil", "69123", "web", ["epci"], "00", 2025, [], True),
    ("Ancienne Société Libre", "44109", "office", ["dep"], "01", 1999, [], False),
]
NOT_PUBLISHED = {
    "Essonne Nuage en Projet": Status.PENDING,
    "Brouillon Libre Conseil": Status.DRAFT,
    "Ancienne Société Libre": Status.ARCHIVED,
}
FICTION_PHONE_PREFIX = {
    "11": "01 99 00",
    "24": "02 61 91",
    "27": "03 53 01",
    "28": "02 61 91",
    "32": "03 53 01",
    "44": "03 53 01",
    "52": "02 61 91",
    "53": "02 61 91",
    "75": "05 36 49",
    "76": "05 36 49",
    "84": "04 65 71",
    "93": "04 65 71",
    "94": "04 65 71",
}
