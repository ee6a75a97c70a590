"""Words of the base layout, sign-in, error pages and the phases, shared by every page."""

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------- layout
    "product_name": {
        "en": "Assignment lifecycle",
        "nl": "Levenscyclus van opdrachten",
        "fr": "Cycle de vie des missions",
    },
    "skip_link": {
        "en": "Skip to main content",
        "nl": "Naar de hoofdinhoud",
        "fr": "Aller au contenu principal",
    },
    "nav_label": {"en": "Main", "nl": "Hoofdmenu", "fr": "Menu principal"},
    "nav_today": {"en": "Today", "nl": "Vandaag", "fr": "Aujourd'hui"},
    "nav_assignments": {"en": "Assignments", "nl": "Opdrachten", "fr": "Missions"},
    "nav_engagement": {"en": "Engagement", "nl": "Betrokkenheid", "fr": "Engagement"},
    "language_label": {"en": "Language", "nl": "Taal", "fr": "Langue"},
    "account_label": {"en": "Your session", "nl": "Je sessie", "fr": "Votre session"},
    "signed_in_as": {
        "en": "Signed in as {name}",
        "nl": "Aangemeld als {name}",
        "fr": "Connecté en tant que {name}",
    },
    "role_viewer": {"en": "Viewer", "nl": "Lezer", "fr": "Lecteur"},
    "role_operator": {"en": "Operator", "nl": "Operator", "fr": "Opérateur"},
    "role_admin": {"en": "Admin", "nl": "Beheerder", "fr": "Administrateur"},
    "role_contracting": {
        "en": "Contracting system",
        "nl": "Contractsysteem",
        "fr": "Système contractuel",
    },
    "sign_out": {"en": "Sign out", "nl": "Afmelden", "fr": "Se déconnecter"},
    "clock_banner": {
        "en": "Demo clock: it is {date} for the engine, running {speed}× faster than real time "  # noqa: RUF001
        "(a day every {seconds} s).",
        "nl": "Demoklok: voor de engine is het {date}, {speed}× sneller dan in werkelijkheid "  # noqa: RUF001
        "(een dag per {seconds} s).",
        "fr": "Horloge de démonstration : pour le moteur, nous sommes le {date}, "
        "{speed}× plus vite que le temps réel (un jour toutes les {seconds} s).",  # noqa: RUF001
    },
    "clock_refresh_note": {
        "en": "Pages refresh themselves while you are not typing.",
        "nl": "Pagina's vernieuwen zichzelf zolang je niet aan het typen bent.",
        "fr": "Les pages se rafraîchissent d'elles-mêmes tant que vous ne saisissez rien.",
    },
    "flash_label": {"en": "Done", "nl": "Gelukt", "fr": "C'est fait"},
    "error_prefix": {"en": "Error:", "nl": "Fout:", "fr": "Erreur :"},
    "optional": {"en": "optional", "nl": "optioneel", "fr": "facultatif"},
    # ----------------------------------------------------------------- sign-in
    "signin_title": {"en": "Sign in", "nl": "Aanmelden", "fr": "Connexion"},
    "signin_lead": {
        "en": "Every freelancer, from the welcome to the farewell, treated like a colleague.",
        "nl": "Elke freelancer, van welkom tot afscheid, behandeld als een collega.",
        "fr": "Chaque freelance, de l'accueil au départ, traité comme un collègue.",
    },
    "signin_point_renewal": {
        "en": "Renewals decided early, so nobody waits to hear whether they stay.",
        "nl": "Verlengingen vroeg beslist, zodat niemand moet wachten of hij blijft.",
        "fr": "Des renouvellements décidés tôt : personne n'attend pour savoir s'il reste.",
    },
    "signin_point_welcome": {
        "en": "A real welcome: a buddy, the team's rituals, and tools that work on day one.",
        "nl": "Een echt welkom: een buddy, de rituelen van het team en tools die werken op dag "
        "één.",
        "fr": "Un vrai accueil : un parrain, les rituels de l'équipe et des outils qui "
        "fonctionnent dès le premier jour.",
    },
    "signin_point_farewell": {
        "en": "A warm farewell, and what they tell us on the way out.",
        "nl": "Een warm afscheid, en wat ze ons vertellen bij hun vertrek.",
        "fr": "Un départ chaleureux, et ce qu'ils nous disent en partant.",
    },
    "signin_intro": {
        "en": "Paste your API key to open the operator view. The key stays on this server: "
        "your browser keeps only a session, for 12 hours.",
        "nl": "Plak je API-sleutel om de operatorweergave te openen. De sleutel blijft op deze "
        "server: je browser bewaart enkel een sessie, 12 uur lang.",
        "fr": "Collez votre clé d'API pour ouvrir la vue opérateur. La clé reste sur ce "
        "serveur : votre navigateur ne garde qu'une session, pendant 12 heures.",
    },
    "signin_key_label": {"en": "API key", "nl": "API-sleutel", "fr": "Clé d'API"},
    "signin_key_hint": {
        "en": "It starts with lc_. An admin creates one for you, with the role viewer, operator "
        "or admin.",
        "nl": "Ze begint met lc_. Een beheerder maakt er een voor je aan, met de rol viewer, "
        "operator of admin.",
        "fr": "Elle commence par lc_. Un administrateur vous en crée une, avec le rôle viewer, "
        "operator ou admin.",
    },
    "signin_submit": {"en": "Sign in", "nl": "Aanmelden", "fr": "Se connecter"},
    "signin_error_empty": {
        "en": "Paste an API key.",
        "nl": "Plak een API-sleutel.",
        "fr": "Collez une clé d'API.",
    },
    "signin_error_unknown": {
        "en": "This key is unknown or has been revoked.",
        "nl": "Deze sleutel is onbekend of ingetrokken.",
        "fr": "Cette clé est inconnue ou a été révoquée.",
    },
    "signin_error_contracting": {
        "en": "This is a contracting system's key: it is meant for the API, not for people. "
        "Sign in with a viewer, operator or admin key.",
        "nl": "Dit is de sleutel van een contractsysteem: die is bedoeld voor de API, niet voor "
        "mensen. Meld je aan met een lezers-, operator- of beheerderssleutel.",
        "fr": "C'est la clé d'un système contractuel : elle est destinée à l'API, pas aux "
        "personnes. Connectez-vous avec une clé de lecteur, d'opérateur ou d'administrateur.",
    },
    "signed_out": {
        "en": "You are signed out.",
        "nl": "Je bent afgemeld.",
        "fr": "Vous êtes déconnecté.",
    },
    "session_ended": {
        "en": "Your session has ended (it lasts 12 hours, and ends when its key is revoked). "
        "Sign in again.",
        "nl": "Je sessie is beëindigd (ze duurt 12 uur en stopt wanneer de sleutel wordt "
        "ingetrokken). Meld je opnieuw aan.",
        "fr": "Votre session a pris fin (elle dure 12 heures et cesse quand sa clé est "
        "révoquée). Reconnectez-vous.",
    },
    # ------------------------------------------------------------------ errors
    "forbidden_title": {"en": "Not allowed", "nl": "Niet toegestaan", "fr": "Non autorisé"},
    "forbidden_role": {
        "en": "Your role ({role}) may not do this. Nothing was changed.",
        "nl": "Je rol ({role}) mag dit niet doen. Er is niets gewijzigd.",
        "fr": "Votre rôle ({role}) ne permet pas cette action. Rien n'a été modifié.",
    },
    "forbidden_csrf": {
        "en": "This form could not be verified: it may be old, or it was sent from another "
        "site. Nothing was changed. Go back, reload the page and try again.",
        "nl": "Dit formulier kon niet worden gecontroleerd: het is misschien verouderd of "
        "werd vanaf een andere site verstuurd. Er is niets gewijzigd. Ga terug, herlaad de "
        "pagina en probeer opnieuw.",
        "fr": "Ce formulaire n'a pas pu être vérifié : il est peut-être ancien, ou il a été "
        "envoyé depuis un autre site. Rien n'a été modifié. Revenez en arrière, rechargez la "
        "page et réessayez.",
    },
    "forbidden_no_session": {
        "en": "You are not signed in (any more), so nothing was changed. Sign in and try again.",
        "nl": "Je bent niet (meer) aangemeld, dus er is niets gewijzigd. Meld je aan en "
        "probeer opnieuw.",
        "fr": "Vous n'êtes pas (ou plus) connecté, donc rien n'a été modifié. Connectez-vous "
        "et réessayez.",
    },
    "not_found_title": {"en": "Not found", "nl": "Niet gevonden", "fr": "Introuvable"},
    "go_home": {"en": "Go to Today", "nl": "Naar Vandaag", "fr": "Aller à Aujourd'hui"},
    "sign_in_again": {"en": "Sign in", "nl": "Aanmelden", "fr": "Se connecter"},
    # ------------------------------------------------------------------ phases
    "phase_scheduled": {"en": "Scheduled", "nl": "Gepland", "fr": "Planifiée"},
    "phase_onboarding": {"en": "Onboarding", "nl": "Onboarding", "fr": "Accueil"},
    "phase_active": {"en": "Active", "nl": "Actief", "fr": "Active"},
    "phase_renewal_review": {
        "en": "Renewal review",
        "nl": "Verlenging te beslissen",
        "fr": "Renouvellement à décider",
    },
    "phase_offboarding": {"en": "Offboarding", "nl": "Offboarding", "fr": "Départ"},
    "phase_completed": {"en": "Completed", "nl": "Afgerond", "fr": "Terminée"},
    "phase_cancelled": {"en": "Cancelled", "nl": "Geannuleerd", "fr": "Annulée"},
    "phase_label": {"en": "Phase", "nl": "Fase", "fr": "Phase"},
}
