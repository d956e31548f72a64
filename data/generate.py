"""Writes the small synthetic series shipped in data/ (deterministic: seed 7).

- ed_arrivals_daily.csv: two EDs, 2 years of daily attendances with a weekly
  pattern (Monday peak), a winter bump, a slow upward trend and public
  holidays (fewer walk-ins, more on the day after); Poisson noise.
- drug_demand_daily.csv: four drugs/consumables, 1 year of daily units issued:
  intermittent (many zero days) to smooth.
- holidays.csv: the holiday dates used above (England bank holidays 2024-2026).
- ed_arrivals_hourly.csv: the same two EDs, 26 weeks of hourly arrivals from
  2024-01-01: a daily cycle (trough at 5am, peak late morning to evening),
  the weekly pattern, weekends later and flatter than weekdays (so the week
  is not just the day times the weekday), holidays as above; Poisson noise.

Run: python3 data/generate.py  (standard library only)
"""
import datetime as dt
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(7)

HOLIDAYS = [
    "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26",
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
]
holidays = {dt.date.fromisoformat(d) for d in HOLIDAYS}


def poisson(lam):
    # Knuth for small means, normal approximation for large ones.
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


WEEK = [1.12, 1.03, 0.99, 0.98, 0.99, 0.94, 0.95]  # Monday first
start = dt.date(2024, 1, 1)
with open(os.path.join(HERE, "ed_arrivals_daily.csv"), "w") as f:
    f.write("unique_id,ds,y\n")
    for site, base in (("ED_north", 250.0), ("ED_south", 140.0)):
        for d in range(731):
            day = start + dt.timedelta(days=d)
            winter = 1.0 + 0.08 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)
            lam = base * (1 + 0.04 * d / 365) * WEEK[day.weekday()] * winter
            if day in holidays:
                lam *= 0.85
            elif day - dt.timedelta(days=1) in holidays:
                lam *= 1.10
            f.write(f"{site},{day.isoformat()},{poisson(lam)}\n")

DRUGS = [("alteplase_vials", 0.12, 2.0), ("o_neg_blood_units", 0.45, 3.0),
         ("iv_paracetamol_1g", 1.0, 40.0), ("ventilator_circuits", 0.3, 1.5)]
with open(os.path.join(HERE, "drug_demand_daily.csv"), "w") as f:
    f.write("unique_id,ds,y\n")
    for name, p, size in DRUGS:
        for d in range(365):
            day = start + dt.timedelta(days=d)
            if p >= 1.0:
                y = poisson(size)
            else:
                y = 1 + poisson(size - 1) if rng.random() < p else 0
            f.write(f"{name},{day.isoformat()},{y}\n")

with open(os.path.join(HERE, "holidays.csv"), "w") as f:
    f.write("date\n")
    for d in HOLIDAYS:
        f.write(d + "\n")

# Arrivals per hour, relative to the day's mean hour (weekday shape).
HOURS = [0.55, 0.45, 0.38, 0.33, 0.30, 0.30, 0.40, 0.65, 1.00, 1.30, 1.45, 1.50,
         1.45, 1.40, 1.38, 1.35, 1.35, 1.38, 1.35, 1.25, 1.10, 0.95, 0.80, 0.68]
# Weekends start later and stay busier into the night.
WEEKEND_HOURS = [0.75, 0.62, 0.50, 0.42, 0.36, 0.33, 0.35, 0.45, 0.70, 1.00, 1.25, 1.38,
                 1.42, 1.42, 1.40, 1.38, 1.35, 1.35, 1.32, 1.28, 1.18, 1.08, 0.98, 0.88]
with open(os.path.join(HERE, "ed_arrivals_hourly.csv"), "w") as f:
    f.write("unique_id,ds,y\n")
    for site, base in (("ED_north", 250.0), ("ED_south", 140.0)):
        for d in range(26 * 7):
            day = start + dt.timedelta(days=d)
            shape = WEEKEND_HOURS if day.weekday() >= 5 else HOURS
            total = sum(shape)
            lam_day = base * WEEK[day.weekday()]
            if day in holidays:
                lam_day *= 0.85
            for hour in range(24):
                lam = lam_day * shape[hour] / total
                f.write(f"{site},{day.isoformat()}T{hour:02d}:00,{poisson(lam)}\n")
