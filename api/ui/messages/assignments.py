"""Words of the assignments list and the assignment page (api/ui/assignments.py)."""

MESSAGES: dict[str, dict[str, str]] = {
    # -------------------------------------------------------------------- list
    "assignments_title": {"en": "Assignments", "nl": "Opdrachten", "fr": "Missions"},
    "assignments_intro": {
        "en": "Every freelancer working with you, from the signature to the farewell.",
        "nl": "Elke freelancer die met jullie samenwerkt, van de handtekening tot het afscheid.",
        "fr": "Chaque freelance qui travaille avec vous, de la signature au départ.",
    },
    "filters_title": {"en": "Find assignments", "nl": "Opdrachten zoeken", "fr": "Trouver"},
    "filter_q": {
        "en": "Name or assignment id",
        "nl": "Naam of opdrachtnummer",
        "fr": "Nom ou identifiant",
    },
    "filter_phase": {"en": "Phase", "nl": "Fase", "fr": "Phase"},
    "filter_any_phase": {"en": "Any phase", "nl": "Alle fasen", "fr": "Toutes les phases"},
    "filter_team": {"en": "Team", "nl": "Team", "fr": "Équipe"},
    "filter_manager": {
        "en": "Manager's email",
        "nl": "E-mailadres van de manager",
        "fr": "E-mail du manager",
    },
    "filter_ending_before": {
        "en": "Ending before",
        "nl": "Eindigt vóór",
        "fr": "Se termine avant le",
    },
    "more_filters": {"en": "More filters", "nl": "Meer filters", "fr": "Plus de filtres"},
    "sort_label": {"en": "Order", "nl": "Volgorde", "fr": "Ordre"},
    "sort_created_desc": {
        "en": "Newest first",
        "nl": "Nieuwste eerst",
        "fr": "Les plus récentes d'abord",
    },
    "sort_created_asc": {
        "en": "Oldest first",
        "nl": "Oudste eerst",
        "fr": "Les plus anciennes d'abord",
    },
    "sort_start_asc": {
        "en": "Start date, soonest first",
        "nl": "Startdatum, vroegste eerst",
        "fr": "Date de début, la plus proche d'abord",
    },
    "sort_start_desc": {
        "en": "Start date, latest first",
        "nl": "Startdatum, laatste eerst",
        "fr": "Date de début, la plus lointaine d'abord",
    },
    "sort_end_asc": {
        "en": "End date, soonest first",
        "nl": "Einddatum, vroegste eerst",
        "fr": "Date de fin, la plus proche d'abord",
    },
    "sort_end_desc": {
        "en": "End date, latest first",
        "nl": "Einddatum, laatste eerst",
        "fr": "Date de fin, la plus lointaine d'abord",
    },
    "apply_filters": {"en": "Show", "nl": "Tonen", "fr": "Afficher"},
    "clear_filters": {"en": "Clear", "nl": "Wissen", "fr": "Effacer"},
    "list_label": {
        "en": "Assignments found",
        "nl": "Gevonden opdrachten",
        "fr": "Missions trouvées",
    },
    "shown_count": {
        "en": "{count} shown",
        "nl": "{count} getoond",
        "fr": "{count} affichées",
    },
    "no_results": {
        "en": "No assignment matches these filters.",
        "nl": "Geen enkele opdracht voldoet aan deze filters.",
        "fr": "Aucune mission ne correspond à ces filtres.",
    },
    "no_assignments": {
        "en": "No assignments yet. One appears here as soon as a contracting system signs it.",
        "nl": "Nog geen opdrachten. Een opdracht verschijnt hier zodra een contractsysteem ze "
        "ondertekent.",
        "fr": "Pas encore de missions. Une mission apparaît ici dès qu'un système contractuel "
        "la signe.",
    },
    "load_more": {"en": "Show more", "nl": "Meer tonen", "fr": "Afficher plus"},
    "first_page": {
        "en": "Back to the first page",
        "nl": "Terug naar de eerste pagina",
        "fr": "Retour à la première page",
    },
    "stale_cursor": {
        "en": "That page link no longer fits these filters or this order: here is the first page.",
        "nl": "Die paginalink past niet meer bij deze filters of deze volgorde: hier is de "
        "eerste pagina.",
        "fr": "Ce lien de page ne correspond plus à ces filtres ou à cet ordre : voici la "
        "première page.",
    },
    "invalid_filter_date": {
        "en": "Enter the date as YYYY-MM-DD.",
        "nl": "Geef de datum als JJJJ-MM-DD.",
        "fr": "Saisissez la date au format AAAA-MM-JJ.",
    },
    "dates_range": {
        "en": "{start} to {end}",
        "nl": "{start} tot {end}",
        "fr": "du {start} au {end}",
    },
    "managed_by": {"en": "with {name}", "nl": "bij {name}", "fr": "avec {name}"},
    "decision_due_chip": {
        "en": "Decision due {date}",
        "nl": "Beslissing tegen {date}",
        "fr": "Décision avant le {date}",
    },
    "decision_overdue_chip": {
        "en": "Decision overdue since {date}",
        "nl": "Beslissing te laat sinds {date}",
        "fr": "Décision en retard depuis le {date}",
    },
    # -------------------------------------------------------------- the page
    "assignment_title": {
        "en": "{name}, {role}",
        "nl": "{name}, {role}",
        "fr": "{name}, {role}",
    },
    "term_label": {"en": "Term {term}", "nl": "Termijn {term}", "fr": "Période {term}"},
    "in_team": {"en": "{role} in {team}", "nl": "{role} in {team}", "fr": "{role} — {team}"},
    "not_found_assignment": {
        "en": "There is no assignment {id}.",
        "nl": "Er is geen opdracht {id}.",
        "fr": "Il n'y a pas de mission {id}.",
    },
    "section_purpose": {
        "en": "Why this assignment matters",
        "nl": "Waarom deze opdracht ertoe doet",
        "fr": "Pourquoi cette mission compte",
    },
    "label_start": {"en": "First day", "nl": "Eerste dag", "fr": "Premier jour"},
    "label_end": {"en": "Last day", "nl": "Laatste dag", "fr": "Dernier jour"},
    "label_timezone": {"en": "Time zone", "nl": "Tijdzone", "fr": "Fuseau horaire"},
    "label_language": {"en": "Mails in", "nl": "Mails in het", "fr": "E-mails en"},
    "label_next": {"en": "Next step", "nl": "Volgende stap", "fr": "Prochaine étape"},
    "label_renewal": {"en": "Renewal", "nl": "Verlenging", "fr": "Renouvellement"},
    "language_en": {"en": "English", "nl": "Engels", "fr": "anglais"},
    "language_nl": {"en": "Dutch", "nl": "Nederlands", "fr": "néerlandais"},
    "language_fr": {"en": "French", "nl": "Frans", "fr": "français"},
    "next_none": {"en": "Nothing planned", "nl": "Niets gepland", "fr": "Rien de prévu"},
    "renewal_decided_end": {
        "en": "Decided: ends on its last day",
        "nl": "Beslist: stopt op de laatste dag",
        "fr": "Décidé : se termine au dernier jour",
    },
    "renewal_terminated": {
        "en": "Ended early",
        "nl": "Vroegtijdig beëindigd",
        "fr": "Terminée de manière anticipée",
    },
    "renewal_not_yet": {
        "en": "Asked {days} days before the end",
        "nl": "Gevraagd {days} dagen voor het einde",
        "fr": "Demandé {days} jours avant la fin",
    },
    "section_people": {"en": "People", "nl": "Mensen", "fr": "Personnes"},
    "person_freelancer": {"en": "Freelancer", "nl": "Freelancer", "fr": "Freelance"},
    "person_manager": {"en": "Manager", "nl": "Manager", "fr": "Manager"},
    "person_buddy": {"en": "Buddy", "nl": "Buddy", "fr": "Parrain ou marraine"},
    "person_hr": {"en": "HR contact", "nl": "HR-contact", "fr": "Contact RH"},
    "section_timeline": {"en": "Timeline", "nl": "Tijdlijn", "fr": "Chronologie"},
    "timeline_intro": {
        "en": "What happened and what is planned, in {timezone} time.",
        "nl": "Wat er gebeurde en wat gepland is, in de tijd van {timezone}.",
        "fr": "Ce qui s'est passé et ce qui est prévu, à l'heure de {timezone}.",
    },
    "timeline_planned": {"en": "planned", "nl": "gepland", "fr": "prévu"},
    "timeline_now": {"en": "Today, {date}", "nl": "Vandaag, {date}", "fr": "Aujourd'hui, {date}"},
    "timeline_later": {
        "en": "{count} more planned steps",
        "nl": "Nog {count} geplande stappen",
        "fr": "{count} autres étapes prévues",
    },
    "timeline_by": {"en": "by {actor}", "nl": "door {actor}", "fr": "par {actor}"},
    "timeline_empty": {
        "en": "Nothing has happened yet.",
        "nl": "Er is nog niets gebeurd.",
        "fr": "Rien ne s'est encore passé.",
    },
    "section_tasks": {"en": "Tasks", "nl": "Taken", "fr": "Tâches"},
    "tasks_onboarding": {"en": "Welcome", "nl": "Welkom", "fr": "Accueil"},
    "tasks_offboarding": {"en": "Farewell", "nl": "Afscheid", "fr": "Départ"},
    "tasks_none": {
        "en": "No tasks yet.",
        "nl": "Nog geen taken.",
        "fr": "Pas encore de tâches.",
    },
    "tasks_progress": {
        "en": "{done} of {total} done",
        "nl": "{done} van {total} afgewerkt",
        "fr": "{done} sur {total} faites",
    },
    "task_open": {"en": "To do", "nl": "Te doen", "fr": "À faire"},
    "task_done": {"en": "Done", "nl": "Afgewerkt", "fr": "Fait"},
    "task_done_on": {
        "en": "Done {date}",
        "nl": "Afgewerkt op {date}",
        "fr": "Fait le {date}",
    },
    "task_mark_done": {"en": "Mark done", "nl": "Afvinken", "fr": "Marquer comme fait"},
    "task_mark_done_label": {
        "en": "Mark done: {title}",
        "nl": "Afvinken: {title}",
        "fr": "Marquer comme fait : {title}",
    },
    "section_access": {"en": "Access", "nl": "Toegang", "fr": "Accès"},
    "access_pending": {"en": "Pending", "nl": "In afwachting", "fr": "En attente"},
    "access_granted": {"en": "Granted", "nl": "Toegekend", "fr": "Accordé"},
    "access_revoked": {"en": "Revoked", "nl": "Ingetrokken", "fr": "Révoqué"},
    "access_since": {"en": "since {date}", "nl": "sinds {date}", "fr": "depuis le {date}"},
    "access_none": {
        "en": "Nothing granted yet: {tools} will work from the week before the first day.",
        "nl": "Nog niets toegekend: {tools} werken vanaf de week voor de eerste dag.",
        "fr": "Rien d'accordé pour l'instant : {tools} fonctionneront dès la semaine avant le "
        "premier jour.",
    },
    "access_ledger_only": {
        "en": "No SCIM provider is configured: access is recorded here, not granted in real "
        "systems.",
        "nl": "Er is geen SCIM-provider ingesteld: toegang wordt hier bijgehouden, niet echt "
        "toegekend.",
        "fr": "Aucun fournisseur SCIM n'est configuré : l'accès est enregistré ici, pas accordé "
        "dans les systèmes réels.",
    },
    "section_mail": {"en": "Mails", "nl": "Mails", "fr": "E-mails"},
    "mail_to": {"en": "To {recipients}", "nl": "Aan {recipients}", "fr": "À {recipients}"},
    "mail_status_kept": {
        "en": "Kept (no mail server)",
        "nl": "Bewaard (geen mailserver)",
        "fr": "Conservé (pas de serveur de mail)",
    },
    "mail_status_pending": {"en": "Sending", "nl": "Wordt verzonden", "fr": "En cours d'envoi"},
    "mail_status_sent": {"en": "Delivered", "nl": "Afgeleverd", "fr": "Remis"},
    "mail_status_failed": {"en": "Not delivered", "nl": "Niet afgeleverd", "fr": "Non remis"},
    "mail_show": {
        "en": "Read the message",
        "nl": "Lees het bericht",
        "fr": "Lire le message",
    },
    "mail_calendar": {
        "en": "with a calendar invitation",
        "nl": "met een agenda-uitnodiging",
        "fr": "avec une invitation d'agenda",
    },
    "mails_none": {
        "en": "No mail yet.",
        "nl": "Nog geen mails.",
        "fr": "Pas encore d'e-mails.",
    },
    "section_feedback": {
        "en": "What they told us when leaving",
        "nl": "Wat ze ons vertelden bij hun vertrek",
        "fr": "Ce qu'ils nous ont dit en partant",
    },
    "feedback_rating": {"en": "All in all", "nl": "Al bij al", "fr": "Dans l'ensemble"},
    "feedback_rating_value": {
        "en": "{rating} out of 5",
        "nl": "{rating} op 5",
        "fr": "{rating} sur 5",
    },
    "feedback_felt_part": {
        "en": "What made them feel part of the team",
        "nl": "Waardoor ze zich deel van het team voelden",
        "fr": "Ce qui les a fait se sentir membre de l'équipe",
    },
    "feedback_not_part": {
        "en": "What did not",
        "nl": "Wat niet",
        "fr": "Ce qui ne l'a pas fait",
    },
    "feedback_come_back": {
        "en": "Would come back",
        "nl": "Zou terugkomen",
        "fr": "Reviendrait",
    },
    "feedback_come_back_yes": {"en": "Yes", "nl": "Ja", "fr": "Oui"},
    "feedback_come_back_maybe": {"en": "Maybe", "nl": "Misschien", "fr": "Peut-être"},
    "feedback_come_back_no": {"en": "No", "nl": "Nee", "fr": "Non"},
    "feedback_stay_in_touch": {
        "en": "Wants to stay in touch through the alumni network",
        "nl": "Wil in contact blijven via het alumninetwerk",
        "fr": "Souhaite rester en contact via le réseau des anciens",
    },
    "feedback_received_on": {
        "en": "Received {date}",
        "nl": "Ontvangen op {date}",
        "fr": "Reçu le {date}",
    },
    "feedback_waiting": {
        "en": "The exit feedback form was sent; no answers yet.",
        "nl": "Het feedbackformulier werd verstuurd; nog geen antwoorden.",
        "fr": "Le formulaire de retour a été envoyé ; pas encore de réponses.",
    },
    "answer_none": {"en": "(no answer)", "nl": "(geen antwoord)", "fr": "(pas de réponse)"},
    "workflow_link": {
        "en": "Open the workflow in the Temporal Web UI",
        "nl": "Open de workflow in de Temporal Web UI",
        "fr": "Ouvrir le workflow dans l'interface web de Temporal",
    },
    # --------------------------------------------------------------- actions
    "decision_title": {
        "en": "Renew or end?",
        "nl": "Verlengen of stoppen?",
        "fr": "Renouveler ou arrêter ?",
    },
    "decision_due": {
        "en": "Decide by {date}. {name} hears the outcome as soon as you send it: the earlier, "
        "the better.",
        "nl": "Beslis uiterlijk {date}. {name} hoort de uitkomst zodra je ze verstuurt: hoe "
        "vroeger, hoe beter.",
        "fr": "Décidez avant le {date}. {name} connaîtra la réponse dès que vous l'enverrez : "
        "le plus tôt sera le mieux.",
    },
    "decision_overdue": {
        "en": "This decision was due {date}. {name} is still waiting to hear.",
        "nl": "Deze beslissing moest er zijn op {date}. {name} wacht nog altijd op nieuws.",
        "fr": "Cette décision était attendue le {date}. {name} attend toujours une réponse.",
    },
    "decision_viewer": {
        "en": "An operator decides this renewal (due {date}).",
        "nl": "Een operator beslist over deze verlenging (uiterlijk {date}).",
        "fr": "Un opérateur décide de ce renouvellement (avant le {date}).",
    },
    "decision_choice": {"en": "Decision", "nl": "Beslissing", "fr": "Décision"},
    "decision_renew": {"en": "Renew", "nl": "Verlengen", "fr": "Renouveler"},
    "decision_end": {
        "en": "End on {date}",
        "nl": "Stoppen op {date}",
        "fr": "Arrêter le {date}",
    },
    "field_new_end_date": {
        "en": "New last day",
        "nl": "Nieuwe laatste dag",
        "fr": "Nouveau dernier jour",
    },
    "field_new_end_date_hint": {
        "en": "After {date}.",
        "nl": "Na {date}.",
        "fr": "Après le {date}.",
    },
    "field_note": {
        "en": "A word for {name}",
        "nl": "Een woordje voor {name}",
        "fr": "Un mot pour {name}",
    },
    "field_note_hint": {
        "en": "Goes into the mail that tells the outcome.",
        "nl": "Komt in de mail die de uitkomst meldt.",
        "fr": "Figure dans l'e-mail qui annonce la réponse.",
    },
    "decision_submit": {
        "en": "Send the decision",
        "nl": "Beslissing versturen",
        "fr": "Envoyer la décision",
    },
    "section_changes": {
        "en": "Contract changes",
        "nl": "Contractwijzigingen",
        "fr": "Modifications du contrat",
    },
    "changes_hint": {
        "en": "Usually sent by the contracting system. Each goes through the same checks as the "
        "API.",
        "nl": "Meestal verstuurd door het contractsysteem. Elke wijziging doorloopt dezelfde "
        "controles als via de API.",
        "fr": "Généralement envoyées par le système contractuel. Chacune passe par les mêmes "
        "contrôles que l'API.",
    },
    "change_extend": {
        "en": "Extend the contract",
        "nl": "Contract verlengen",
        "fr": "Prolonger le contrat",
    },
    "change_terminate": {
        "en": "End it early",
        "nl": "Vroegtijdig beëindigen",
        "fr": "Y mettre fin plus tôt",
    },
    "change_cancel": {
        "en": "Cancel before the start",
        "nl": "Annuleren voor de start",
        "fr": "Annuler avant le début",
    },
    "extend_hint": {
        "en": "The freelancer is told at once, and a new term starts.",
        "nl": "De freelancer hoort het meteen, en een nieuwe termijn begint.",
        "fr": "Le freelance est prévenu aussitôt, et une nouvelle période commence.",
    },
    "terminate_hint": {
        "en": "Offboarding starts on the effective date: knowledge transfer, access revoked, a "
        "warm goodbye.",
        "nl": "De offboarding start op de ingangsdatum: kennisoverdracht, toegang ingetrokken, "
        "een warm afscheid.",
        "fr": "Le départ commence à la date d'effet : transfert de connaissances, accès révoqué, "
        "au revoir chaleureux.",
    },
    "cancel_hint": {
        "en": "The assignment will not start; any access granted so far is revoked.",
        "nl": "De opdracht start niet; toegang die al werd gegeven, wordt ingetrokken.",
        "fr": "La mission ne commencera pas ; tout accès déjà accordé est révoqué.",
    },
    "field_effective_date": {
        "en": "Effective date",
        "nl": "Ingangsdatum",
        "fr": "Date d'effet",
    },
    "field_reason": {"en": "Reason", "nl": "Reden", "fr": "Motif"},
    "extend_submit": {"en": "Extend", "nl": "Verlengen", "fr": "Prolonger"},
    "terminate_submit": {
        "en": "End the assignment early",
        "nl": "Opdracht vroegtijdig beëindigen",
        "fr": "Mettre fin à la mission",
    },
    "cancel_submit": {
        "en": "Cancel the assignment",
        "nl": "Opdracht annuleren",
        "fr": "Annuler la mission",
    },
    "refused_title": {
        "en": "Nothing was changed",
        "nl": "Er is niets gewijzigd",
        "fr": "Rien n'a été modifié",
    },
    "refused_lead": {
        "en": "The lifecycle refused it: {reason}",
        "nl": "De levenscyclus weigerde dit: {reason}",
        "fr": "Le cycle de vie l'a refusé : {reason}",
    },
    "form_invalid": {
        "en": "Please check the form.",
        "nl": "Kijk het formulier even na.",
        "fr": "Veuillez vérifier le formulaire.",
    },
    "error_required": {
        "en": "Fill this in.",
        "nl": "Vul dit in.",
        "fr": "Veuillez remplir ce champ.",
    },
    "error_date": {
        "en": "Enter a date as YYYY-MM-DD.",
        "nl": "Geef een datum als JJJJ-MM-DD.",
        "fr": "Saisissez une date au format AAAA-MM-JJ.",
    },
    "error_choose_decision": {
        "en": "Choose to renew or to end.",
        "nl": "Kies verlengen of stoppen.",
        "fr": "Choisissez de renouveler ou d'arrêter.",
    },
    "error_too_long": {
        "en": "At most {limit} characters.",
        "nl": "Hoogstens {limit} tekens.",
        "fr": "{limit} caractères au maximum.",
    },
    "flash_decided_renew": {
        "en": "Renewed. The freelancer is told right away.",
        "nl": "Verlengd. De freelancer hoort het meteen.",
        "fr": "Renouvelée. Le freelance est prévenu tout de suite.",
    },
    "flash_decided_end": {
        "en": "Decision sent: the assignment ends on its last day. The freelancer is told right "
        "away.",
        "nl": "Beslissing verstuurd: de opdracht stopt op de laatste dag. De freelancer hoort "
        "het meteen.",
        "fr": "Décision envoyée : la mission s'arrête à son dernier jour. Le freelance est "
        "prévenu tout de suite.",
    },
    "flash_task_done": {
        "en": "Task marked done.",
        "nl": "Taak afgevinkt.",
        "fr": "Tâche marquée comme faite.",
    },
    "flash_extended": {
        "en": "The contract is extended.",
        "nl": "Het contract is verlengd.",
        "fr": "Le contrat est prolongé.",
    },
    "flash_terminated": {
        "en": "The early end is recorded; offboarding starts on the effective date.",
        "nl": "Het vroegtijdige einde is genoteerd; de offboarding start op de ingangsdatum.",
        "fr": "La fin anticipée est enregistrée ; le départ commence à la date d'effet.",
    },
    "flash_cancelled": {
        "en": "The assignment is cancelled.",
        "nl": "De opdracht is geannuleerd.",
        "fr": "La mission est annulée.",
    },
    # ------------------------------------------------------- timeline kinds
    "kind_signed": {"en": "Contract signed", "nl": "Contract ondertekend", "fr": "Contrat signé"},
    "kind_onboarding": {
        "en": "Welcome, kick-off invitation and tool access",
        "nl": "Welkom, uitnodiging voor de kick-off en toegang tot de tools",
        "fr": "Bienvenue, invitation au lancement et accès aux outils",
    },
    "kind_start": {"en": "First day", "nl": "Eerste dag", "fr": "Premier jour"},
    "kind_checkin": {
        "en": "Engagement check-in",
        "nl": "Even polsen hoe het gaat",
        "fr": "Point sur l'engagement",
    },
    "kind_development": {
        "en": "Development conversation: training or an internal move",
        "nl": "Ontwikkelingsgesprek: opleiding of interne mobiliteit",
        "fr": "Entretien de développement : formation ou mobilité interne",
    },
    "kind_renewal_request": {
        "en": "Renewal decision asked of the manager",
        "nl": "Beslissing over verlenging gevraagd aan de manager",
        "fr": "Décision de renouvellement demandée au manager",
    },
    "kind_renewal_reminder": {
        "en": "Reminder to the manager if still open",
        "nl": "Herinnering aan de manager als het nog open is",
        "fr": "Rappel au manager si toujours en attente",
    },
    "kind_renewal_escalation": {
        "en": "Escalation to HR if still open",
        "nl": "Escalatie naar HR als het nog open is",
        "fr": "Escalade vers les RH si toujours en attente",
    },
    "kind_offboarding": {
        "en": "Offboarding: knowledge transfer and exit feedback",
        "nl": "Offboarding: kennisoverdracht en exitfeedback",
        "fr": "Départ : transfert de connaissances et retour de fin de mission",
    },
    "kind_revoke_access": {
        "en": "Tool access revoked",
        "nl": "Toegang tot de tools ingetrokken",
        "fr": "Accès aux outils révoqué",
    },
    "kind_feedback_reminder": {
        "en": "Exit feedback reminder",
        "nl": "Herinnering voor de exitfeedback",
        "fr": "Rappel pour le retour de fin de mission",
    },
    "kind_completion": {
        "en": "Assignment completed",
        "nl": "Opdracht afgerond",
        "fr": "Mission terminée",
    },
    "kind_completed": {
        "en": "Assignment completed",
        "nl": "Opdracht afgerond",
        "fr": "Mission terminée",
    },
    "kind_renewal": {
        "en": "Renewal decided",
        "nl": "Verlenging beslist",
        "fr": "Renouvellement décidé",
    },
    "kind_extended": {
        "en": "Contract extended",
        "nl": "Contract verlengd",
        "fr": "Contrat prolongé",
    },
    "kind_terminated": {"en": "Ended early", "nl": "Vroegtijdig beëindigd", "fr": "Fin anticipée"},
    "kind_cancelled": {"en": "Cancelled", "nl": "Geannuleerd", "fr": "Annulée"},
    "kind_amended": {
        "en": "Moved within the client",
        "nl": "Intern verschoven",
        "fr": "Mobilité interne",
    },
    "kind_task": {"en": "Task done", "nl": "Taak afgewerkt", "fr": "Tâche faite"},
    "kind_feedback": {
        "en": "Exit feedback received",
        "nl": "Exitfeedback ontvangen",
        "fr": "Retour de fin de mission reçu",
    },
    "kind_invitations": {
        "en": "Team event invitations updated",
        "nl": "Uitnodigingen voor teamactiviteiten bijgewerkt",
        "fr": "Invitations aux événements d'équipe mises à jour",
    },
    "kind_mail_failed": {
        "en": "A mail was not delivered",
        "nl": "Een mail werd niet afgeleverd",
        "fr": "Un e-mail n'a pas été remis",
    },
    "kind_access_failed": {
        "en": "An access change was refused",
        "nl": "Een toegangswijziging werd geweigerd",
        "fr": "Une modification d'accès a été refusée",
    },
}
