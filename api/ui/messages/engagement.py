"""Words of the engagement dashboard (api/ui/engagement.py, api/templates/ui/engagement.html).

Keys ending in `_one` / `_other` are the singular and plural of one phrase (api/ui/today.py's
`plural`).
"""

MESSAGES: dict[str, dict[str, str]] = {
    "engagement_title": {"en": "Engagement", "nl": "Betrokkenheid", "fr": "Engagement"},
    "eng_lead": {
        "en": "Are freelancers treated like colleagues? Six signs, from what the lifecycle "
        "recorded.",
        "nl": "Worden freelancers als collega's behandeld? Zes signalen, uit wat de levenscyclus "
        "bijhield.",
        "fr": "Les freelances sont-ils traités comme des collègues ? Six signes, d'après ce que "
        "le cycle de vie a enregistré.",
    },
    "eng_period": {
        "en": "Last 12 months · {since} \u2013 {today}",
        "nl": "Laatste 12 maanden · {since} \u2013 {today}",
        "fr": "12 derniers mois · {since} \u2013 {today}",
    },
    "eng_signs_title": {"en": "At a glance", "nl": "In één oogopslag", "fr": "En un coup d'œil"},
    "eng_none_yet": {
        "en": "Nothing to count yet.",
        "nl": "Nog niets om te tellen.",
        "fr": "Rien à compter pour l'instant.",
    },
    "eng_percent": {"en": "{n}%", "nl": "{n}%", "fr": "{n} %"},
    # ---------------------------------------------------------------- tiles
    "eng_tile_notice": {
        "en": "Renewal outcome heard, median",
        "nl": "Uitkomst verlenging gehoord, mediaan",
        "fr": "Issue du renouvellement connue, médiane",
    },
    "eng_days_one": {"en": "{n} day", "nl": "{n} dag", "fr": "{n} jour"},
    "eng_days_other": {"en": "{n} days", "nl": "{n} dagen", "fr": "{n} jours"},
    "eng_tile_notice_detail_one": {
        "en": "before the last day, over {n} outcome",
        "nl": "voor de laatste dag, over {n} uitkomst",
        "fr": "avant le dernier jour, sur {n} décision",
    },
    "eng_tile_notice_detail_other": {
        "en": "before the last day, over {n} outcomes",
        "nl": "voor de laatste dag, over {n} uitkomsten",
        "fr": "avant le dernier jour, sur {n} décisions",
    },
    "eng_tile_ready": {
        "en": "Access ready before day one",
        "nl": "Toegang klaar voor dag één",
        "fr": "Accès prêt avant le premier jour",
    },
    "eng_tile_ready_detail": {
        "en": "{part} of {total} who started had their tools before their first day",
        "nl": "{part} van {total} starters hadden hun tools voor hun eerste dag",
        "fr": "{part} arrivées sur {total} avaient leurs outils avant le premier jour",
    },
    "eng_tile_after_end": {
        "en": "Access seen after an end",
        "nl": "Toegang gezien na een einde",
        "fr": "Accès constaté après une fin",
    },
    "eng_tile_after_end_good": {
        "en": "None: every leaver's access was closed on time.",
        "nl": "Geen: de toegang van elke vertrekker werd op tijd gesloten.",
        "fr": "Aucun : l'accès de chaque départ a été fermé à temps.",
    },
    "eng_tile_after_end_bad_one": {
        "en": "{n} assignment kept access after its end. This must be zero.",
        "nl": "{n} opdracht hield toegang na het einde. Dit moet nul zijn.",
        "fr": "{n} mission a gardé un accès après sa fin. Cela doit être zéro.",
    },
    "eng_tile_after_end_bad_other": {
        "en": "{n} assignments kept access after their end. This must be zero.",
        "nl": "{n} opdrachten hielden toegang na het einde. Dit moet nul zijn.",
        "fr": "{n} missions ont gardé un accès après leur fin. Cela doit être zéro.",
    },
    "eng_tile_feedback": {
        "en": "Exit feedback response",
        "nl": "Respons op exitfeedback",
        "fr": "Réponses à l'avis de départ",
    },
    "eng_tile_feedback_detail": {
        "en": "{part} of {total} leavers told us how it was",
        "nl": "{part} van {total} vertrekkers vertelden hoe het was",
        "fr": "{part} départs sur {total} nous ont dit comment c'était",
    },
    "eng_tile_rating": {
        "en": "Average rating",
        "nl": "Gemiddelde score",
        "fr": "Note moyenne",
    },
    "eng_rating_value": {"en": "{rating} / 5", "nl": "{rating} / 5", "fr": "{rating} / 5"},
    "eng_tile_rating_detail_one": {
        "en": "from {n} leaver's answer",
        "nl": "uit {n} antwoord van een vertrekker",
        "fr": "d'après {n} réponse",
    },
    "eng_tile_rating_detail_other": {
        "en": "from {n} leavers' answers",
        "nl": "uit {n} antwoorden van vertrekkers",
        "fr": "d'après {n} réponses",
    },
    "eng_tile_alumni": {
        "en": "Alumni staying in touch",
        "nl": "Alumni die contact houden",
        "fr": "Anciens qui restent en contact",
    },
    "eng_tile_alumni_detail": {
        "en": "leavers who asked to hear from the team again",
        "nl": "vertrekkers die graag nog van het team horen",
        "fr": "départs qui veulent encore des nouvelles de l'équipe",
    },
    # ---------------------------------------------------------------- access after an end
    "eng_after_end_title": {
        "en": "Access after an end: to close now",
        "nl": "Toegang na een einde: nu sluiten",
        "fr": "Accès après une fin : à fermer maintenant",
    },
    "eng_after_end_intro": {
        "en": "These assignments had a tool open after their last day. Open each one to see "
        "its access.",
        "nl": "Deze opdrachten hadden nog een tool open na hun laatste dag. Open ze om hun "
        "toegang te zien.",
        "fr": "Ces missions avaient encore un outil ouvert après leur dernier jour. Ouvrez-les "
        "pour voir leurs accès.",
    },
    "eng_after_end_closed": {
        "en": "still granted although it has ended",
        "nl": "nog toegekend hoewel ze afgelopen is",
        "fr": "toujours accordé alors qu'elle est terminée",
    },
    "eng_after_end_past_end": {
        "en": "still granted more than a day after the last day",
        "nl": "nog toegekend meer dan een dag na de laatste dag",
        "fr": "toujours accordé plus d'un jour après le dernier jour",
    },
    "eng_after_end_granted_after_end": {
        "en": "granted after the last day",
        "nl": "toegekend na de laatste dag",
        "fr": "accordé après le dernier jour",
    },
    # ---------------------------------------------------------------- renewal notice
    "eng_notice_title": {
        "en": "How early freelancers hear whether they stay",
        "nl": "Hoe vroeg freelancers horen of ze blijven",
        "fr": "Combien de temps à l'avance les freelances savent s'ils restent",
    },
    "eng_notice_intro": {
        "en": "Days between the renewal outcome and the last day. The decision is asked 30 "
        "days ahead: a long wait makes people uneasy.",
        "nl": "Dagen tussen de uitkomst van de verlenging en de laatste dag. De beslissing "
        "wordt 30 dagen vooraf gevraagd: lang wachten maakt mensen onzeker.",
        "fr": "Jours entre l'issue du renouvellement et le dernier jour. La décision est "
        "demandée 30 jours avant : une longue attente inquiète.",
    },
    "eng_notice_axis": {
        "en": "Days before the last day that the freelancer heard the outcome",
        "nl": "Dagen voor de laatste dag dat de freelancer de uitkomst hoorde",
        "fr": "Jours avant le dernier jour où le freelance a connu l'issue",
    },
    "eng_notice_desc": {
        "en": "Renewal outcomes by days of notice before the last day: {values}.",
        "nl": "Uitkomsten van verlengingen per aantal dagen voor de laatste dag: {values}.",
        "fr": "Issues des renouvellements par jours avant le dernier jour : {values}.",
    },
    "eng_notice_empty": {
        "en": "No renewal was decided in the last 12 months yet.",
        "nl": "Er werd de voorbije 12 maanden nog geen verlenging beslist.",
        "fr": "Aucun renouvellement n'a encore été décidé ces 12 derniers mois.",
    },
    "eng_notice_undecided_one": {
        "en": "{n} freelancer heard nothing until the last day (no decision was taken): "
        "counted at 0 days.",
        "nl": "{n} freelancer hoorde niets tot de laatste dag (er werd niet beslist): geteld "
        "als 0 dagen.",
        "fr": "{n} freelance n'a rien su avant le dernier jour (aucune décision) : compté à "
        "0 jour.",
    },
    "eng_notice_undecided_other": {
        "en": "{n} freelancers heard nothing until the last day (no decision was taken): "
        "counted at 0 days.",
        "nl": "{n} freelancers hoorden niets tot de laatste dag (er werd niet beslist): "
        "geteld als 0 dagen.",
        "fr": "{n} freelances n'ont rien su avant le dernier jour (aucune décision) : comptés "
        "à 0 jour.",
    },
    "eng_notice_after_end_one": {
        "en": "{n} outcome came after the last day.",
        "nl": "{n} uitkomst kwam na de laatste dag.",
        "fr": "{n} décision est arrivée après le dernier jour.",
    },
    "eng_notice_after_end_other": {
        "en": "{n} outcomes came after the last day.",
        "nl": "{n} uitkomsten kwamen na de laatste dag.",
        "fr": "{n} décisions sont arrivées après le dernier jour.",
    },
    "eng_notice_unmeasured_one": {
        "en": "{n} renewal could not be measured (its earlier end date is not on record).",
        "nl": "{n} verlenging kon niet gemeten worden (de vroegere einddatum is niet bekend).",
        "fr": "{n} renouvellement n'a pas pu être mesuré (sa date de fin précédente est inconnue).",
    },
    "eng_notice_unmeasured_other": {
        "en": "{n} renewals could not be measured (their earlier end date is not on record).",
        "nl": "{n} verlengingen konden niet gemeten worden (de vroegere einddatum is niet bekend).",
        "fr": "{n} renouvellements n'ont pas pu être mesurés (leur date de fin précédente est "
        "inconnue).",
    },
    "eng_median_days_one": {
        "en": "Median: {n} day",
        "nl": "Mediaan: {n} dag",
        "fr": "Médiane : {n} jour",
    },
    "eng_median_days_other": {
        "en": "Median: {n} days",
        "nl": "Mediaan: {n} dagen",
        "fr": "Médiane : {n} jours",
    },
    "eng_median_months_one": {
        "en": "Median: {n} month",
        "nl": "Mediaan: {n} maand",
        "fr": "Médiane : {n} mois",
    },
    "eng_median_months_other": {
        "en": "Median: {n} months",
        "nl": "Mediaan: {n} maanden",
        "fr": "Médiane : {n} mois",
    },
    "eng_range_days": {
        "en": "{low}\u2013{high} days",
        "nl": "{low}\u2013{high} dagen",
        "fr": "{low}\u2013{high} jours",
    },
    "eng_range_open_days": {
        "en": "{low}+ days",
        "nl": "{low}+ dagen",
        "fr": "{low} jours et +",
    },
    "eng_range_short": {
        "en": "{low}\u2013{high}",
        "nl": "{low}\u2013{high}",
        "fr": "{low}\u2013{high}",
    },
    "eng_range_open_short": {"en": "{low}+", "nl": "{low}+", "fr": "{low}+"},
    "eng_range_months": {
        "en": "{low}\u2013{high} months",
        "nl": "{low}\u2013{high} maanden",
        "fr": "{low}\u2013{high} mois",
    },
    "eng_range_open_months": {
        "en": "{low}+ months",
        "nl": "{low}+ maanden",
        "fr": "{low} mois et +",
    },
    "eng_desc_pair": {
        "en": "{label}: {count}",
        "nl": "{label}: {count}",
        "fr": "{label} : {count}",
    },
    "eng_outcomes_one": {"en": "{n} outcome", "nl": "{n} uitkomst", "fr": "{n} décision"},
    "eng_outcomes_other": {"en": "{n} outcomes", "nl": "{n} uitkomsten", "fr": "{n} décisions"},
    "eng_assignments_one": {"en": "{n} assignment", "nl": "{n} opdracht", "fr": "{n} mission"},
    "eng_assignments_other": {
        "en": "{n} assignments",
        "nl": "{n} opdrachten",
        "fr": "{n} missions",
    },
    "eng_leavers_one": {"en": "{n} leaver", "nl": "{n} vertrekker", "fr": "{n} départ"},
    "eng_leavers_other": {"en": "{n} leavers", "nl": "{n} vertrekkers", "fr": "{n} départs"},
    # ---------------------------------------------------------------- tables
    "eng_show_numbers": {
        "en": "Show the numbers",
        "nl": "Toon de cijfers",
        "fr": "Afficher les chiffres",
    },
    "eng_col_notice": {
        "en": "Notice before the last day",
        "nl": "Tijd voor de laatste dag",
        "fr": "Délai avant le dernier jour",
    },
    "eng_col_outcomes": {"en": "Outcomes", "nl": "Uitkomsten", "fr": "Décisions"},
    "eng_col_rating": {"en": "Rating", "nl": "Score", "fr": "Note"},
    "eng_col_leavers": {"en": "Leavers", "nl": "Vertrekkers", "fr": "Départs"},
    "eng_col_answer": {"en": "Answer", "nl": "Antwoord", "fr": "Réponse"},
    "eng_col_tenure": {
        "en": "Time on the team",
        "nl": "Tijd in het team",
        "fr": "Temps dans l'équipe",
    },
    "eng_col_assignments": {"en": "Assignments", "nl": "Opdrachten", "fr": "Missions"},
    # ---------------------------------------------------------------- exit feedback
    "eng_ratings_title": {
        "en": "How leavers rated their time",
        "nl": "Hoe vertrekkers hun tijd beoordeelden",
        "fr": "Comment les partants ont noté leur passage",
    },
    "eng_ratings_intro": {
        "en": "The exit feedback's rating, from 1 to 5 stars.",
        "nl": "De score uit de exitfeedback, van 1 tot 5 sterren.",
        "fr": "La note de l'avis de départ, de 1 à 5 étoiles.",
    },
    "eng_ratings_desc": {
        "en": "Leavers by rating: {values}.",
        "nl": "Vertrekkers per score: {values}.",
        "fr": "Départs par note : {values}.",
    },
    "eng_stars_one": {"en": "{n} star", "nl": "{n} ster", "fr": "{n} étoile"},
    "eng_stars_other": {"en": "{n} stars", "nl": "{n} sterren", "fr": "{n} étoiles"},
    "eng_feedback_empty": {
        "en": "No exit feedback in the last 12 months yet.",
        "nl": "Nog geen exitfeedback in de laatste 12 maanden.",
        "fr": "Aucun avis de départ ces 12 derniers mois.",
    },
    "eng_come_back_title": {
        "en": "Would they come back?",
        "nl": "Zouden ze terugkomen?",
        "fr": "Reviendraient-ils ?",
    },
    "eng_come_back_intro": {
        "en": "Future ambassadors: leavers who would work with the team again.",
        "nl": "Toekomstige ambassadeurs: vertrekkers die opnieuw met het team zouden werken.",
        "fr": "De futurs ambassadeurs : les partants prêts à retravailler avec l'équipe.",
    },
    "eng_come_back_desc": {
        "en": "Leavers by whether they would come back: {values}.",
        "nl": "Vertrekkers naargelang ze zouden terugkomen: {values}.",
        "fr": "Départs selon qu'ils reviendraient : {values}.",
    },
    "eng_come_back_yes": {"en": "Yes, gladly", "nl": "Ja, graag", "fr": "Oui, volontiers"},
    "eng_come_back_maybe": {"en": "Maybe", "nl": "Misschien", "fr": "Peut-être"},
    "eng_come_back_no": {"en": "No", "nl": "Nee", "fr": "Non"},
    "eng_felt_part_title": {
        "en": "What made them feel part of the team",
        "nl": "Wat hen deel van het team deed voelen",
        "fr": "Ce qui les a fait se sentir dans l'équipe",
    },
    "eng_not_part_title": {
        "en": "What would have helped",
        "nl": "Wat had geholpen",
        "fr": "Ce qui aurait aidé",
    },
    "eng_quotes_intro": {
        "en": "In leavers' own words, the latest first, without names.",
        "nl": "In de woorden van vertrekkers, de recentste eerst, zonder namen.",
        "fr": "Avec les mots des partants, les plus récents d'abord, sans noms.",
    },
    "eng_quotes_empty": {
        "en": "No one has written an answer here yet.",
        "nl": "Nog niemand schreef hier een antwoord.",
        "fr": "Personne n'a encore écrit de réponse ici.",
    },
    # ---------------------------------------------------------------- tenure, alumni
    "eng_tenure_title": {
        "en": "How long they stayed",
        "nl": "Hoe lang ze bleven",
        "fr": "Combien de temps ils sont restés",
    },
    "eng_tenure_intro": {
        "en": "From the first to the last day, every renewal included, of the assignments "
        "completed in the last 12 months.",
        "nl": "Van de eerste tot de laatste dag, alle verlengingen inbegrepen, voor de "
        "opdrachten die de laatste 12 maanden afliepen.",
        "fr": "Du premier au dernier jour, renouvellements compris, pour les missions "
        "terminées ces 12 derniers mois.",
    },
    "eng_tenure_axis": {
        "en": "Months on the team",
        "nl": "Maanden in het team",
        "fr": "Mois dans l'équipe",
    },
    "eng_tenure_desc": {
        "en": "Completed assignments by time on the team: {values}.",
        "nl": "Afgelopen opdrachten per tijd in het team: {values}.",
        "fr": "Missions terminées par temps passé dans l'équipe : {values}.",
    },
    "eng_tenure_empty": {
        "en": "No assignment was completed in the last 12 months yet.",
        "nl": "Er werd de laatste 12 maanden nog geen opdracht afgerond.",
        "fr": "Aucune mission n'a encore été terminée ces 12 derniers mois.",
    },
    "eng_alumni_title": {
        "en": "Alumni who want to stay in touch",
        "nl": "Alumni die contact willen houden",
        "fr": "Anciens qui veulent rester en contact",
    },
    "eng_alumni_intro": {
        "en": "Invite them to the next team day, or call them first for the next assignment.",
        "nl": "Nodig ze uit voor de volgende teamdag, of bel ze eerst voor de volgende opdracht.",
        "fr": "Invitez-les à la prochaine journée d'équipe, ou appelez-les en premier pour la "
        "prochaine mission.",
    },
    "eng_alumni_empty": {
        "en": "No leaver has asked to stay in touch yet.",
        "nl": "Nog geen vertrekker vroeg om contact te houden.",
        "fr": "Aucun partant n'a encore demandé à rester en contact.",
    },
    "eng_alumni_more": {
        "en": "And {n} more.",
        "nl": "En nog {n}.",
        "fr": "Et {n} de plus.",
    },
    "eng_method": {
        "en": "How it is counted: from the assignments' timelines, the access ledger and the "
        "exit feedback, over the last 12 months (the alumni and the answers: all of them). "
        "Access counts as seen after an end when a tool is still granted to an assignment "
        "that has ended, more than a day after its last day, or was granted after it.",
        "nl": "Hoe het geteld wordt: uit de tijdlijnen van de opdrachten, het toegangsregister "
        "en de exitfeedback, over de laatste 12 maanden (de alumni en de antwoorden: allemaal). "
        "Toegang telt als gezien na een einde wanneer een tool nog toegekend is aan een "
        "afgelopen opdracht, meer dan een dag na de laatste dag, of daarna nog werd toegekend.",
        "fr": "Comment c'est compté : d'après les historiques des missions, le registre des "
        "accès et les avis de départ, sur les 12 derniers mois (les anciens et les réponses : "
        "tous). Un accès est constaté après une fin quand un outil est encore accordé à une "
        "mission terminée, plus d'un jour après son dernier jour, ou a été accordé après.",
    },
}
