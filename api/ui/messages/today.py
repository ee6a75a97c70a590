"""Words of the Today page (api/ui/today.py, api/templates/ui/today.html)."""

MESSAGES: dict[str, dict[str, str]] = {
    "today_title": {"en": "Today", "nl": "Vandaag", "fr": "Aujourd'hui"},
    "today_lead": {
        "en": "Who is waiting for a decision, who arrives and who leaves: treat them like "
        "colleagues.",
        "nl": "Wie wacht op een beslissing, wie komt en wie vertrekt: behandel ze als collega's.",
        "fr": "Qui attend une décision, qui arrive et qui part : traitez-les comme des collègues.",
    },
    "today_tallies_label": {
        "en": "At a glance",
        "nl": "In één oogopslag",
        "fr": "En un coup d'œil",
    },
    "today_tally_renewals": {
        "en": "renewal decisions due",
        "nl": "verlengingen te beslissen",
        "fr": "renouvellements à décider",
    },
    "today_tally_tasks": {
        "en": "people with tasks past due",
        "nl": "mensen met taken over tijd",
        "fr": "personnes avec des tâches en retard",
    },
    "today_tally_starting": {
        "en": "starting in 14 days",
        "nl": "beginnen binnen 14 dagen",
        "fr": "arrivent d'ici 14 jours",
    },
    "today_tally_leaving": {
        "en": "leaving in 30 days",
        "nl": "vertrekken binnen 30 dagen",
        "fr": "partent d'ici 30 jours",
    },
    "today_tally_overdue": {"en": "{n} overdue", "nl": "{n} te laat", "fr": "{n} en retard"},
    "today_tally_open_tasks": {
        "en": "{n} tasks in all",
        "nl": "{n} taken in totaal",
        "fr": "{n} tâches en tout",
    },
    "today_all_clear_title": {
        "en": "All clear",
        "nl": "Alles in orde",
        "fr": "Tout est en ordre",
    },
    "today_all_clear": {
        "en": "Nothing needs you today: no decision waiting, nobody arriving or leaving soon, no "
        "task late.",
        "nl": "Vandaag vraagt niets je aandacht: geen beslissing die wacht, niemand die binnenkort "
        "komt of vertrekt, geen taak te laat.",
        "fr": "Rien ne vous attend aujourd'hui : aucune décision en suspens, personne n'arrive ni "
        "ne part bientôt, aucune tâche en retard.",
    },
    # ------------------------------------------------------------------ sections
    "today_renewals_title": {
        "en": "Renewal decisions due",
        "nl": "Verlengingen om te beslissen",
        "fr": "Renouvellements à décider",
    },
    "today_renewals_intro": {
        "en": "Decide early: the freelancer hears the outcome at once, not on the last day.",
        "nl": "Beslis vroeg: de freelancer hoort de uitkomst meteen, niet op de laatste dag.",
        "fr": "Décidez tôt : le freelance connaît la réponse tout de suite, pas le dernier jour.",
    },
    "today_renewals_empty": {
        "en": "No renewal is waiting for a decision. Everyone whose contract ends soon knows "
        "where they stand.",
        "nl": "Geen enkele verlenging wacht op een beslissing. Wie binnenkort stopt, weet waar "
        "hij aan toe is.",
        "fr": "Aucun renouvellement n'attend de décision. Ceux dont le contrat se termine "
        "bientôt savent à quoi s'en tenir.",
    },
    "today_tasks_title": {
        "en": "Tasks past due",
        "nl": "Taken over tijd",
        "fr": "Tâches en retard",
    },
    "today_tasks_intro": {
        "en": "Onboarding tasks are due on the first day, farewell tasks on the last.",
        "nl": "Onboardingtaken zijn voor de eerste dag, afscheidstaken voor de laatste.",
        "fr": "Les tâches d'accueil sont dues le premier jour, celles du départ le dernier.",
    },
    "today_tasks_empty": {
        "en": "No task is late: every newcomer and every leaver is looked after.",
        "nl": "Geen enkele taak is te laat: elke nieuwkomer en elke vertrekker wordt goed "
        "opgevangen.",
        "fr": "Aucune tâche en retard : chaque arrivée et chaque départ est bien accompagné.",
    },
    "today_starting_title": {
        "en": "Starting in the next 14 days",
        "nl": "Beginnen in de komende 14 dagen",
        "fr": "Arrivent dans les 14 prochains jours",
    },
    "today_starting_intro": {
        "en": "Their tools should work on day one, with the same access as the team.",
        "nl": "Hun tools moeten werken vanaf dag één, met dezelfde toegang als het team.",
        "fr": "Leurs outils doivent fonctionner dès le premier jour, avec les mêmes accès que "
        "l'équipe.",
    },
    "today_starting_empty": {
        "en": "Nobody starts in the next two weeks.",
        "nl": "Niemand begint in de komende twee weken.",
        "fr": "Personne n'arrive dans les deux prochaines semaines.",
    },
    "today_leaving_title": {
        "en": "Leaving in the next 30 days",
        "nl": "Vertrekken in de komende 30 dagen",
        "fr": "Partent dans les 30 prochains jours",
    },
    "today_leaving_intro": {
        "en": "A good farewell makes an ambassador: knowledge handed over, feedback heard.",
        "nl": "Een goed afscheid maakt een ambassadeur: kennis overgedragen, feedback gehoord.",
        "fr": "Un bon départ fait un ambassadeur : savoir transmis, avis entendu.",
    },
    "today_leaving_empty": {
        "en": "Nobody leaves in the next 30 days.",
        "nl": "Niemand vertrekt in de komende 30 dagen.",
        "fr": "Personne ne part dans les 30 prochains jours.",
    },
    # ------------------------------------------------------------------ items
    "today_decide_by": {
        "en": "Decide by {date}",
        "nl": "Beslissen tegen {date}",
        "fr": "À décider d'ici le {date}",
    },
    "today_asked_of": {
        "en": "Asked of {manager}",
        "nl": "Gevraagd aan {manager}",
        "fr": "Demandé à {manager}",
    },
    "today_overdue": {"en": "Overdue", "nl": "Te laat", "fr": "En retard"},
    "today_starts_on": {"en": "Starts {date}", "nl": "Begint {date}", "fr": "Arrive le {date}"},
    "today_access_ready": {"en": "Access ready", "nl": "Toegang klaar", "fr": "Accès prêt"},
    "today_access_planned": {
        "en": "Access from {date}",
        "nl": "Toegang vanaf {date}",
        "fr": "Accès dès le {date}",
    },
    "today_access_missing": {
        "en": "Access not ready: {granted} of {tools} tools",
        "nl": "Toegang niet klaar: {granted} van {tools} tools",
        "fr": "Accès pas prêt : {granted} outils sur {tools}",
    },
    "today_access_no_tools": {
        "en": "No tools needed",
        "nl": "Geen tools nodig",
        "fr": "Aucun outil requis",
    },
    "today_last_day": {
        "en": "Last day {date}",
        "nl": "Laatste dag {date}",
        "fr": "Dernier jour : {date}",
    },
    "today_feedback_received": {
        "en": "Feedback received",
        "nl": "Feedback ontvangen",
        "fr": "Avis reçu",
    },
    "today_feedback_awaited": {
        "en": "Feedback awaited",
        "nl": "Feedback verwacht",
        "fr": "Avis attendu",
    },
    "today_feedback_later": {
        "en": "Feedback asked on the last day",
        "nl": "Feedback gevraagd op de laatste dag",
        "fr": "Avis demandé le dernier jour",
    },
    "today_task_due": {"en": "Due {date}", "nl": "Tegen {date}", "fr": "Pour le {date}"},
    "today_tasks_more_one": {
        "en": "and {n} more task",
        "nl": "en nog {n} taak",
        "fr": "et {n} autre tâche",
    },
    "today_tasks_more_other": {
        "en": "and {n} more tasks",
        "nl": "en nog {n} taken",
        "fr": "et {n} autres tâches",
    },
    "today_late_one": {"en": "{n} day late", "nl": "{n} dag te laat", "fr": "{n} jour de retard"},
    "today_late_other": {
        "en": "{n} days late",
        "nl": "{n} dagen te laat",
        "fr": "{n} jours de retard",
    },
    "today_show_all": {
        "en": "Show all {count}",
        "nl": "Toon alle {count}",
        "fr": "Tout afficher ({count})",
    },
    "today_show_fewer": {"en": "Show fewer", "nl": "Toon minder", "fr": "Afficher moins"},
    # ------------------------------------------------------------------ relative days
    "today_rel_today": {"en": "today", "nl": "vandaag", "fr": "aujourd'hui"},
    "today_rel_tomorrow": {"en": "tomorrow", "nl": "morgen", "fr": "demain"},
    "today_rel_yesterday": {"en": "yesterday", "nl": "gisteren", "fr": "hier"},
    "today_rel_in_one": {"en": "in {n} day", "nl": "over {n} dag", "fr": "dans {n} jour"},
    "today_rel_in_other": {"en": "in {n} days", "nl": "over {n} dagen", "fr": "dans {n} jours"},
    "today_rel_ago_one": {"en": "{n} day ago", "nl": "{n} dag geleden", "fr": "il y a {n} jour"},
    "today_rel_ago_other": {
        "en": "{n} days ago",
        "nl": "{n} dagen geleden",
        "fr": "il y a {n} jours",
    },
}
