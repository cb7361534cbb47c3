"""A realistic, deterministic demo board: the same seed always writes the same board."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from app.board.csv_import import ImportRow
from app.board.domain import Channel, CustomerSeed, Kind, NeedDepth
from app.board.ports import BoardStore, ImportResult, Progress
from app.meeting.domain import Effect, ImpactStatus, Outcome

COHORTS = ("Mid-market retail", "Enterprise finance", "Small agencies", "Healthcare clinics",
           "Public sector", "Logistics SMB", "Education", "Startups")
OWNERS = ("Priya (Success)", "Tom (Sales)", "Ana (Support)", "Jonas (Product)", "Mei (Success)")
_NAME_A = ("North", "Blue", "Harbor", "Cedar", "Summit", "Bright", "Iron", "Maple", "Silver",
           "Red", "Oak", "Lumen", "Pioneer", "Atlas", "Willow", "Granite", "Coral", "Beacon")
_NAME_B = ("Outfitters", "Dental", "Freight", "Analytics", "Bakery", "Clinic", "Partners",
           "Studio", "Logistics", "Credit Union", "Academy", "Foods", "Health", "Labs",
           "Supply", "Works", "Council", "Travel")

# (theme, complaint openings, need openings, quotes) in the customer's own voice.
_THEMES: dict[str, dict[str, tuple[str, ...]]] = {
    "Billing": {
        "complaint": ("We were charged twice for the March invoice and nobody has called back.",
                      "The invoice shows seats we removed two months ago.",
                      "Your pricing page and the bill don't match, and finance is asking me why."),
        "need": ("I need invoices that split costs per department.",
                 "We have to be able to pay by bank transfer, cards are blocked here."),
        "quote": ("Honestly the billing portal is the clearest one we use.",
                  "Switching to annual billing saved us a real headache."),
    },
    "Onboarding": {
        "complaint": ("It took us three weeks to get the first team set up.",
                      "The setup wizard lost everything when I clicked back."),
        "need": ("New hires need a checklist that tells them what to do on day one.",
                 "We need to invite a whole team from a spreadsheet, not one by one."),
        "quote": ("Onboarding was painless, my team was live the same afternoon.",
                  "The welcome call made all the difference for us."),
    },
    "Performance": {
        "complaint": ("The dashboard takes forever to load on Monday mornings.",
                      "Search times out when we filter by last year.",
                      "Every export freezes the app for a minute or more."),
        "need": ("It has to stay fast with ten years of history in it.",),
        "quote": ("Since the last update everything feels snappier.",),
    },
    "Reporting": {
        "complaint": ("The monthly report numbers don't add up to the totals.",
                      "I can't get the report into a format my board will read."),
        "need": ("We need a report we can send to our board without editing it by hand.",
                 "I want to schedule the weekly report so it lands on Monday at eight."),
        "quote": ("The new charts finally let me show the trend to my manager.",),
    },
    "Integrations": {
        "complaint": ("The calendar sync drops events at random.",
                      "The CRM integration overwrote our contact owners."),
        "need": ("We need it to talk to our accounting system.",
                 "An API token per team, not one for the whole company."),
        "quote": ("The Slack integration is the reason we picked you.",),
    },
    "Mobile app": {
        "complaint": ("The mobile app logs me out every single day.",
                      "Photos from the phone app arrive sideways."),
        "need": ("Our drivers need to work offline in the warehouse.",),
        "quote": ("I run half my day from the phone app now.",),
    },
    "Support": {
        "complaint": ("Moving support to chat only means I can't reach anyone when it's urgent.",
                      "I waited four days for a reply to a ticket marked urgent."),
        "need": ("We need a phone number for outages, even if it costs extra.",),
        "quote": ("Ana from support stayed on the call until it was fixed. Thank you.",
                  "Support actually read my ticket before answering, which is rare."),
    },
    "Pricing": {
        "complaint": ("Dropping the free tier would push our volunteers out.",
                      "The price went up 30% and nothing new came with it."),
        "need": ("A nonprofit discount would keep us with you.",
                 "We need a plan for five people, the next one up is for fifty."),
        "quote": ("For what it does, the price is fair.",),
    },
    "Security": {
        "complaint": ("We can't pass our audit without single sign-on.",
                      "There is no way to see who exported customer data."),
        "need": ("Our auditors need an access log they can download.",
                 "Two-factor has to be mandatory for admins."),
        "quote": ("Your security page answered every question our auditor had.",),
    },
    "Exports": {
        "complaint": ("The CSV export breaks accents in our customers' names.",
                      "Exports cut off at ten thousand rows without saying so."),
        "need": ("We need to get all our data out in one file if we ever leave.",),
        "quote": ("Export to CSV just works, which I can't say about most tools.",),
    },
}
_TAILS = ("", "", " This is the third time this quarter.", " Please fix this before renewal.",
          " My team brings it up every week.", " It makes us look bad in front of our clients.",
          " We love the product otherwise.", " Is anyone looking at this?",
          " If this keeps happening we will look at other options.")
_CHANNEL_WEIGHTS = ((Channel.SUPPORT, 30), (Channel.INTERVIEW, 12), (Channel.SURVEY, 15),
                    (Channel.SALES_CALL, 14), (Channel.EMAIL, 18), (Channel.SOCIAL, 8),
                    (Channel.OTHER, 3))


def demo_customers(count: int, rng: random.Random) -> list[CustomerSeed]:
    seeds: list[CustomerSeed] = []
    names: set[str] = set()
    while len(seeds) < count:
        name = f"{rng.choice(_NAME_A)} {rng.choice(_NAME_B)}"
        if name.casefold() in names:
            name = f"{name} {len(seeds) + 1}"
        names.add(name.casefold())
        weight = round(rng.choice((1, 1, 2, 5, 12, 40)) * rng.uniform(0.8, 1.25) * 1000, -2)
        seeds.append(CustomerSeed(name, rng.choice(COHORTS), weight, rng.choice(OWNERS)))
    return seeds


def demo_voices(count: int, customers: list[CustomerSeed], rng: random.Random,
                today: dt.date) -> Iterator[ImportRow]:
    channels = [c for c, _ in _CHANNEL_WEIGHTS]
    channel_weights = [w for _, w in _CHANNEL_WEIGHTS]
    themes = list(_THEMES)
    # Bigger customers talk to us more often.
    customer_weights = [1 + s.weight ** 0.5 / 30 for s in customers]
    for i in range(count):
        kind = rng.choices((Kind.COMPLAINT, Kind.NEED, Kind.QUOTE), (45, 30, 25))[0]
        theme = rng.choice(themes)
        text = rng.choice(_THEMES[theme][kind.value])
        if kind is not Kind.QUOTE:
            text += rng.choice(_TAILS)
        extra = (rng.choice(themes),) if rng.random() < 0.2 else ()
        customer = rng.choices(customers, customer_weights)[0]
        yield ImportRow(
            text=text, kind=kind, customer=customer.name,
            heard_on=today - dt.timedelta(days=int(rng.triangular(0, 3 * 365, 0))),
            channel=rng.choices(channels, channel_weights)[0],
            severity=rng.choices((1, 2, 3, 4, 5), (10, 20, 35, 25, 10))[0]
            if kind is not Kind.QUOTE else 1,
            need_depth=rng.choice(list(NeedDepth)) if kind is Kind.NEED else None,
            themes=tuple(dict.fromkeys((theme, *extra))), captured_by=customer.owner,
            cohort=customer.cohort, source_file="demo", source_line=i + 1,
            source_key=f"demo:{i}",
        )


# (meeting title, days before today, [(decision, description, themes, outcome, rationale)])
_MEETINGS = (
    ("Product council", 75, [
        ("Drop the free tier", "Move free users to a 14-day trial of the Team plan.",
         ("Pricing",), Outcome.DEFERRED, "Volunteers and small agencies would leave; revisit "
         "with a nonprofit plan."),
        ("Move support to chat only", "Close the phone line and answer in chat within the "
         "hour.", ("Support",), Outcome.REJECTED, "Urgent outages need a phone number."),
        ("Split invoices per department", "Let finance teams split one invoice by cost "
         "centre.", ("Billing",), Outcome.APPROVED, "Asked for by our largest accounts."),
    ]),
    ("Quarterly roadmap review", 30, [
        ("Single sign-on on every plan", "Offer SAML single sign-on below Enterprise.",
         ("Security",), Outcome.APPROVED, "Audits block deals in finance and public sector."),
        ("Offline mode for the mobile app", "Let drivers work in the warehouse without "
         "signal.", ("Mobile app",), Outcome.DEFERRED, "Needs the sync rewrite first."),
    ]),
)


def write_demo_meetings(store: Any, today: dt.date) -> None:
    """Two closed meetings with outcomes, confirmed customers and effects, and a planned one.

    Imported here, not at the top: app.meeting.room imports this module's neighbours only.
    """
    from app.meeting.room import affected, close_meeting

    rng = random.Random(3)
    for title, days_ago, agenda in _MEETINGS:
        meeting = store.create_meeting(title, today - dt.timedelta(days=days_ago),
                                       "Priya (Success)", "Tom, Ana, Jonas, Mei")
        for decision_title, description, themes, outcome, rationale in agenda:
            decision_id = store.add_decision(meeting, decision_title, description,
                                             "Jonas (Product)", themes)
            decision = store.get_decision(decision_id)
            for a in affected(store, decision).shortlist(6):
                effect = Effect.HELPS if outcome is Outcome.APPROVED else rng.choice(
                    (Effect.HURTS, Effect.NEUTRAL, Effect.UNKNOWN))
                store.record_impact(decision_id, a.customer.id,
                                    status=ImpactStatus.CONFIRMED, effect=effect)
            store.update_decision(dataclasses.replace(
                decision, outcome=outcome, rationale=rationale,
                decided_at=f"{today - dt.timedelta(days=days_ago)}T11:00:00+00:00"))
        close_meeting(store, meeting)
        _follow_through(store, meeting, today - dt.timedelta(days=days_ago), today)
    upcoming = store.create_meeting("Product council", today + dt.timedelta(days=7),
                                    "Priya (Success)", "Tom, Ana, Jonas, Mei")
    store.add_decision(upcoming, "Raise prices 10% on the Team plan",
                       "Align the Team plan with what it now includes.", "Mei (Success)",
                       ("Pricing",))
    store.add_decision(upcoming, "Weekly scheduled reports",
                       "Email the weekly report every Monday at eight.", "Jonas (Product)",
                       ("Reporting",))


def _follow_through(store: Any, meeting: str, held: dt.date, today: dt.date) -> None:
    """After the meeting: approved decisions shipped a month later (or under way), each
    with action items, one of them late; half of a shipped decision's customers told."""
    from app.meeting.domain import ActionItem, Delivery

    for n, decision in enumerate(store.decisions(meeting)):
        if decision.outcome is not Outcome.APPROVED:
            continue
        shipped = n % 2 == 0
        store.set_delivery(decision.id, Delivery.SHIPPED if shipped else Delivery.IN_PROGRESS,
                           held + dt.timedelta(days=30))
        store.put_action_item(ActionItem(f"{decision.id}-a", decision.id, "Write the "
                                         "release note", "Mei (Success)",
                                         held + dt.timedelta(days=35),
                                         held + dt.timedelta(days=33) if shipped else None))
        store.put_action_item(ActionItem(f"{decision.id}-b", decision.id, "Call the "
                                         "accounts that asked", "Tom (Sales)",
                                         min(today, held + dt.timedelta(days=45))
                                         - dt.timedelta(days=1)))
        if shipped:
            confirmed = [c for c, r in store.impact_records(decision.id).items()
                         if r.status is ImpactStatus.CONFIRMED]
            store.set_told(decision.id, {c: held + dt.timedelta(days=40)
                                         for c in confirmed[: len(confirmed) // 2]})


def write_demo(store: BoardStore, voices: int = 1500, customers: int | None = None,
               seed: int = 7, today: dt.date | None = None,
               progress: Progress | None = None, meetings: bool = True) -> ImportResult:
    """Fill a board with a deterministic demo: same arguments, same board."""
    rng = random.Random(seed)
    today = today or dt.date(2026, 11, 1)
    customer_count = customers or max(12, min(5000, voices // 20))
    seeds = demo_customers(customer_count, rng)
    store.ensure_customers(seeds)
    result = store.import_rows(demo_voices(voices, seeds, rng, today), voices,
                               progress=progress)
    if meetings and result.added and hasattr(store, "create_meeting"):
        write_demo_meetings(store, today)
    return result
