"""Call-taker narratives and dispositions for simulated calls. Every person and vehicle is invented."""

from __future__ import annotations

from rtcc.domain.vocab import IncidentType

DESCRIPTIONS: dict[IncidentType, tuple[str, ...]] = {
    IncidentType.SHOOT: (
        "Caller heard several shots and saw a male running northbound.",
        "Caller reports a person shot in the parking lot, conscious and breathing.",
        "Shots fired from a dark sedan, unknown if anyone hit.",
    ),
    IncidentType.WEAPON: (
        "Male in a grey hoodie waving a handgun at passers-by.",
        "Caller saw a subject put a rifle in the trunk of a white SUV.",
        "Two subjects arguing, one displayed a knife.",
    ),
    IncidentType.ROBBERY: (
        "Clerk robbed at gunpoint, suspect fled on foot with cash.",
        "Caller's phone taken by force, two suspects left in a blue hatchback.",
        "Armed robbery just occurred, suspect wearing a black mask.",
    ),
    IncidentType.ASSAULT: (
        "Fight in progress, one person on the ground.",
        "Caller was punched by a stranger, suspect still nearby.",
        "Victim struck with a bottle, bleeding from the head.",
    ),
    IncidentType.DVA: (
        "Caller reports her partner is hitting her, children in the home.",
        "Neighbour hears screaming and things breaking next door.",
        "Male threatening family members, has been drinking.",
    ),
    IncidentType.MEDICAL: (
        "Person unresponsive on the sidewalk.",
        "Possible overdose, caller performing CPR.",
        "Elderly male fell and cannot get up.",
    ),
    IncidentType.MISSING: (
        "Eight-year-old did not come home from school.",
        "Adult with dementia walked away from home an hour ago.",
    ),
    IncidentType.FIRE: (
        "Smoke coming from the second floor of a house.",
        "Car on fire in an alley.",
    ),
    IncidentType.BURGLARY: (
        "Homeowner returned to find the back door kicked in.",
        "Alarm company reports glass break, caller sees a flashlight inside.",
        "Garage broken into overnight, tools missing.",
    ),
    IncidentType.VEHSTLN: (
        "Caller's car was taken from the driveway overnight.",
        "Vehicle stolen while left running outside a store.",
    ),
    IncidentType.SUSP: (
        "Unknown male checking car door handles along the street.",
        "Suspicious vehicle parked with engine running for an hour.",
        "Two subjects looking into windows of houses.",
    ),
    IncidentType.DISTURB: (
        "Group arguing loudly in front of the bar.",
        "Intoxicated male refusing to leave the store.",
        "Neighbours fighting over a parking space.",
    ),
    IncidentType.TRAFFIC: (
        "Two-car crash, no injuries, blocking a lane.",
        "Crash with injuries, one vehicle on its side.",
        "Hit-skip, suspect vehicle a red pickup.",
    ),
    IncidentType.ALARM: (
        "Commercial burglar alarm, front door zone.",
        "Residential alarm, keyholder not answering.",
    ),
    IncidentType.WELFARE: (
        "Family has not heard from their elderly mother in two days.",
        "Child left alone in a parked car.",
        "Person sleeping in a bus shelter in the cold.",
    ),
    IncidentType.THEFT: (
        "Package stolen from the porch, caller has doorbell video.",
        "Shoplifter left with merchandise, last seen walking east.",
        "Catalytic converter cut from a parked car.",
    ),
    IncidentType.VANDAL: (
        "Graffiti sprayed on the side of the building overnight.",
        "Car windows smashed along the block.",
    ),
    IncidentType.NOISE: (
        "Loud music from a house party.",
        "Dogs barking for hours.",
    ),
    IncidentType.OTHER: (
        "Caller requests an officer to take a report.",
        "Found property, a wallet turned in at the counter.",
    ),
    IncidentType.TSTOP: (
        "Speeding.",
        "Expired registration.",
        "Ran a red light.",
        "Headlight out.",
    ),
}

DISPOSITIONS: dict[IncidentType, tuple[str, ...]] = {
    IncidentType.SHOOT: ("Report taken", "Arrest made", "Shell casings recovered, no victim found"),
    IncidentType.TSTOP: ("Citation issued", "Warning issued", "Arrest made"),
    IncidentType.NOISE: ("Advised", "Gone on arrival", "Unfounded"),
    IncidentType.OTHER: (
        "Report taken",
        "Advised",
        "Gone on arrival",
        "Unfounded",
        "Arrest made",
        "Referred to another agency",
    ),
}
