"""Words of the Engagement dashboard (api/ui/engagement.py, api/templates/ui/engagement.html).

PLACEHOLDER, owned by the helper who builds the dashboard: replace and extend freely. Every key
needs "en", "nl" and "fr" (tests/ui/test_i18n.py checks it).
"""

MESSAGES: dict[str, dict[str, str]] = {
    "engagement_title": {"en": "Engagement", "nl": "Betrokkenheid", "fr": "Engagement"},
    "engagement_placeholder": {
        "en": "How well freelancers are treated like colleagues will appear here: how early "
        "they hear about renewals, access ready on day one, and what leavers said.",
        "nl": "Hier verschijnt hoe goed freelancers als collega's worden behandeld: hoe vroeg "
        "ze horen of ze verlengd worden, toegang klaar op dag één, en wat vertrekkers zeiden.",
        "fr": "Ici apparaîtra à quel point les freelances sont traités comme des collègues : "
        "quand ils apprennent leur renouvellement, un accès prêt dès le premier jour, et ce "
        "qu'ont dit ceux qui partent.",
    },
}
