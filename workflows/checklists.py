"""The checklists of an assignment: what the manager does to welcome a freelancer like staff,
and to say goodbye so they leave as an ambassador. One place for the tasks and their titles in
every language the mails and the UI speak (the workflow records the English title)."""

from __future__ import annotations

Titles = dict[str, str]

ONBOARDING: dict[str, Titles] = {
    "prepare-access": {
        "en": "Check that every tool works with the freelancer's own address",
        "nl": "Controleer dat elke tool werkt met het eigen adres van de freelancer",
        "fr": "Vérifier que chaque outil fonctionne avec l'adresse du freelance",
    },
    "plan-kickoff": {
        "en": "Plan the kick-off with the buddy and share the purpose of the assignment",
        "nl": "Plan de kick-off met de buddy en deel het doel van de opdracht",
        "fr": "Planifier le lancement avec le parrain et partager le sens de la mission",
    },
    "team-rituals": {
        "en": "Add the freelancer to the team's rituals, chats and events",
        "nl": "Voeg de freelancer toe aan de rituelen, chats en evenementen van het team",
        "fr": "Inviter le freelance aux rituels, discussions et événements de l'équipe",
    },
    "introductions": {
        "en": "Introduce the freelancer to the team like any new colleague",
        "nl": "Stel de freelancer voor aan het team, zoals elke nieuwe collega",
        "fr": "Présenter le freelance à l'équipe comme tout nouveau collègue",
    },
}

OFFBOARDING: dict[str, Titles] = {
    "knowledge-transfer": {
        "en": "Plan the knowledge transfer with the team",
        "nl": "Plan de kennisoverdracht met het team",
        "fr": "Planifier le transfert de connaissances avec l'équipe",
    },
    "handover-documents": {
        "en": "Collect documents and hand over open work",
        "nl": "Verzamel documenten en draag lopend werk over",
        "fr": "Rassembler les documents et transmettre le travail en cours",
    },
    "exit-conversation": {
        "en": "Hold an exit conversation and thank the freelancer",
        "nl": "Voer een afscheidsgesprek en bedank de freelancer",
        "fr": "Avoir un entretien de départ et remercier le freelance",
    },
}


def title(task_id: str, language: str, recorded: str) -> str:
    """The task's title in `language`; the recorded (English) title for a task not listed."""
    titles = ONBOARDING.get(task_id) or OFFBOARDING.get(task_id)
    return titles.get(language, recorded) if titles else recorded
