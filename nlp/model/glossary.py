"""English words of the reports' topics mapped to the German lemma the training data uses for them.

Some statements are written in English; the models learned German words. A token whose lower-case text
is one of these words gets the German lemma as its word feature (`features.token_lemma`), so that
"volunteers" and "Ehrenamtliche" share their theme and sentiment evidence. Only English words that are
not also German words are listed.
"""

from __future__ import annotations

ENGLISH_LEMMAS: dict[str, str] = dict(
    pair.split(":")
    for pair in (
        "accommodation:unterkunft accommodations:unterkunft administration:verwaltung apartment:wohnung "
        "apartments:wohnung application:antrag appreciation:wertschätzung apprenticeship:ausbildung "
        "apprenticeships:ausbildung atmosphere:atmosphäre attendance:beteiligung attended:teilnehmen "
        "authorities:behörde authority:behörde bureaucracy:bürokratie catering:verpflegung child:kind "
        "childcare:kinderbetreuung children:kind citizens:bürger clubs:verein collaboration:zusammenarbeit "
        "concerns:sorge conversations:gespräch cooperation:kooperation cost:kosten costs:kosten "
        "council:gemeinderat course:kurs courses:kurs culture:kultur date:termin daycare:kita "
        "dialogue:dialog discussion:diskussion discussions:diskussion documentation:dokumentation "
        "education:bildung effort:aufwand employer:arbeitgeber employers:arbeitgeber "
        "employment:beschäftigung encounter:begegnung encounters:begegnung evening:abend event:veranstaltung "
        "events:veranstaltung exchange:austausch facilitated:moderieren facilitation:moderation "
        "facilitator:moderation facilitators:moderation families:familie family:familie fears:angst "
        "flats:wohnung food:essen funding:förderung german:deutsch groups:gruppe hall:halle helpers:helfer "
        "housing:wohnraum implementation:umsetzung implemented:umsetzen informed:informieren "
        "internship:praktikum internships:praktikum interpreter:dolmetscher interpreters:dolmetscher "
        "interpreting:dolmetschen invitation:einladung invitations:einladung jobs:arbeit kids:kind "
        "kindergartens:kita landlords:vermieter language:sprache languages:sprache lecture:vortrag "
        "mayor:bürgermeister measures:maßnahme method:methode methods:methode migrants:migranten "
        "moderators:moderator money:geld mood:stimmung mothers:mutter neighborhood:nachbarschaft "
        "neighbors:nachbar neighbourhood:nachbarschaft neighbours:nachbar network:netzwerk "
        "networking:vernetzung outcome:ergebnis outcomes:ergebnis overall:insgesamt participant:teilnehmende "
        "participants:teilnehmende participation:beteiligung partners:partner people:mensch planning:planung "
        "politicians:politik politics:politik preparation:vorbereitung presentation:vortrag "
        "presentations:vortrag press:presse program:programm programme:programm qualifications:abschluß "
        "recognition:anerkennung refugee:geflüchteter refugees:geflüchteter registration:anmeldung "
        "residents:bürger result:ergebnis results:ergebnis room:raum rooms:raum schedule:zeitplan "
        "school:schule schools:schule shelter:unterkunft shelters:unterkunft speakers:referent sports:sport "
        "steps:schritt talk:vortrag talks:vortrag teachers:lehrer thank:dank thanks:dank time:zeit "
        "timing:zeitpunkt translated:übersetzen translation:übersetzung transparency:transparenz "
        "turnout:beteiligung venue:raum voluntary:ehrenamtlich volunteer:ehrenamtlicher "
        "volunteering:ehrenamt volunteers:ehrenamtliche woman:frau women:frau work:arbeit "
        "working:arbeitsgruppe young:jugendliche youth:jugendliche "
        # thanks, praise and paperwork: what wertschaetzung and politik_verwaltung are said with
        "thanked:danken thanking:danken gratitude:dank grateful:dank praised:loben praise:lob "
        "bureaucratic:bürokratie paperwork:bürokratie forms:formular office:amt offices:amt "
        "deadlines:frist staff:mitarbeitende mentoring:patenschaft mentors:pate support:unterstützung "
    ).split()
)
