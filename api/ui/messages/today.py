"""Words of the Today page (api/ui/today.py, api/templates/ui/today.html).

PLACEHOLDER, owned by the helper who builds the Today page: replace and extend freely. Every key
needs "en", "nl" and "fr" (tests/ui/test_i18n.py checks it).
"""

MESSAGES: dict[str, dict[str, str]] = {
    "today_title": {"en": "Today", "nl": "Vandaag", "fr": "Aujourd'hui"},
    "today_placeholder": {
        "en": "What needs you today will appear here: renewal decisions due, people starting "
        "and leaving soon, and open tasks.",
        "nl": "Hier verschijnt wat vandaag je aandacht vraagt: verlengingen om te beslissen, "
        "wie binnenkort begint of vertrekt, en openstaande taken.",
        "fr": "Ce qui vous attend aujourd'hui apparaîtra ici : les renouvellements à décider, "
        "les arrivées et départs prochains, et les tâches ouvertes.",
    },
}
