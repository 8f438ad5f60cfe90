"""A held-out test set of task kinds no other labelled set has, written for Turnout in session 17 (not
taken from any benchmark or RouteLLM file), each labelled by one rule written down before any scorer was
run on it: does a weak (local-class) model fail where a flagship succeeds?

    python bench/routing/unseen_kinds.py > bench/routing/unseen_kinds.jsonl

NEVER TRAIN ON THIS FILE. It is a test: `turnout scorer eval` and `bench/scorer_groups.py` read it only
to judge a model that never saw it (its rows are never in `turnout scorer train`'s input, the shipped
model's provenance, or a feature's word list). Once a change has been judged on it, the file has been
seen by the person making the change; a later session that wants a fresh judgement writes a new one.

The kinds (one `source` per kind, `unseen-kinds/<kind>`): debugging (code and its error output), SQL
and data wrangling, science calculations, translation and localisation, lay explanations of medical and
legal matters, product and business writing, puzzles and logic, planning with constraints, spreadsheet
formulas, and operations (incidents, shell, configuration). Each kind holds heavy asks and routine
counterparts in the same vocabulary (a stack trace to explain next to one to reformat), short heavy asks
and long routine ones.

The rule (written first, a judgement; no model was run). A prompt is `heavy` (weak fails, flagship
succeeds) when a correct answer needs two or more dependent steps of inference or calculation that the
prompt does not spell out, such that a slip in one step makes the answer wrong:
- tracing what code or a command does to state, to find a cause not on the line that fails, or to fix
  it without breaking another case;
- composing a query or a transformation from a given schema that needs joins, grouping, windows or
  conditions that interact;
- a calculation of more than one step (units carried through, a rate then a total, a formula then a
  comparison);
- satisfying three or more interacting constraints at once (a schedule, a seating, a route, a puzzle);
- applying a rule with conditions or exceptions to given facts and concluding (eligibility, which
  clause or which dose band applies, what follows from the premises);
- a translation or localisation that must keep several stated conventions at once (a length limit plus
  a register plus a unit or date format), or judge which of two translations keeps the meaning and why.
Otherwise it is `routine` (both succeed): a definition or a fact, a single lookup in given text, a
one-step calculation or conversion, a boilerplate snippet or command, reformatting or sorting,
translating or summarising a given text with no further rule, and writing to a loose brief (a product
description, an e-mail, a tagline) however long the brief. These are one engineer's judgements, not
measured outcomes.
"""

from __future__ import annotations

import json

H, R = True, False  # heavy (weak fails where the flagship succeeds), routine (both succeed)

CASES: dict[str, list[tuple[bool, str]]] = {
    "debugging": [
        (H, "This loop is meant to remove the even numbers from a list but some stay behind. Why, and what "
            "is the fix?\n\nnums = [2, 4, 5, 6, 8]\nfor n in nums:\n    if n % 2 == 0:\n        nums.remove(n)\n"
            "print(nums)  # prints [4, 5, 8]"),
        (H, "Our Node service returns stale user names after an update. The handler reads from a Map that is "
            "filled at startup and the update endpoint writes straight to Postgres. Where is the bug and how "
            "would you fix it without losing the speed-up?"),
        (H, "Why does this JavaScript print 3 three times instead of 0, 1, 2?\n\nfor (var i = 0; i < 3; i++) {\n"
            "  setTimeout(() => console.log(i), 0);\n}"),
        (H, "A Go program deadlocks only when the channel buffer is 0. Here is the code:\n\nch := make(chan int)\n"
            "ch <- 1\nfmt.Println(<-ch)\n\nExplain exactly what blocks and give two different fixes."),
        (H, "My recursive Fibonacci with a default dict cache is still slow for n=40 in Python. The cache is "
            "created inside the function. What is wrong?"),
        (H, "The test passes alone but fails when run with the rest of the suite: it asserts that a module-level "
            "list is empty. What is the likely cause and how do I make the tests independent?"),
        (H, "Off-by-one somewhere: this returns the wrong count for 'aaa' and pattern 'aa' (expected 2 "
            "overlapping matches, got 1). Fix it.\n\ndef count(s, p):\n    return s.count(p)"),
        (R, "What does a NullPointerException mean in Java?"),
        (R, "Reformat this stack trace so each frame is on its own line:\nTraceback (most recent call last): "
            "File \"app.py\", line 12, in <module> main() File \"app.py\", line 8, in main run() File "
            "\"app.py\", line 4, in run raise ValueError('bad input') ValueError: bad input"),
        (R, "What is the keyboard shortcut to toggle a breakpoint in VS Code?"),
        (R, "Add a comment above each line of this function saying what it does:\n\ndef greet(name):\n"
            "    message = 'Hello, ' + name\n    print(message)\n    return message"),
        (R, "Which line of this error says the file that failed? 'ModuleNotFoundError: No module named "
            "requests' raised in /srv/app/main.py line 3."),
        (R, "Write a short, friendly message to my team saying the login bug from Tuesday is fixed in "
            "release 2.4.1 and that they should clear their browser cache if they still see the old page. "
            "Mention that QA signed it off this morning and thank Priya's team for the quick turnaround."),
        (R, "Explain in one sentence what a debugger's 'step over' does."),
    ],
    "sql": [
        (H, "Tables: orders(id, customer_id, placed_at, total) and customers(id, country). Write SQL for each "
            "country's share of revenue in 2025, counting only customers with at least three orders that year."),
        (H, "Write a query that returns, for every employee, their salary and the difference from the average "
            "salary of their department, from employees(id, name, dept_id, salary)."),
        (H, "Given events(user_id, ts, type), find users whose first 'purchase' came within 7 days of their "
            "first 'signup'. Postgres."),
        (H, "This query double-counts revenue when an order has two shipments. Why, and rewrite it:\n\nSELECT "
            "o.customer_id, SUM(o.total) FROM orders o JOIN shipments s ON s.order_id = o.id GROUP BY "
            "o.customer_id;"),
        (H, "In pandas, df has columns store, date, sales. Produce a table of each store's 7-day rolling mean "
            "of sales, with missing dates filled as zero sales first."),
        (H, "Rank products by units sold within each category and keep the top 3 per category, ties sharing a "
            "rank; table sales(product_id, category, units)."),
        (H, "Deduplicate contacts(id, email, updated_at) keeping only the most recently updated row per "
            "lower-cased email, as a DELETE statement that is safe to run twice."),
        (R, "What does SELECT DISTINCT do?"),
        (R, "Write a SQL query that selects all columns from the table customers."),
        (R, "Rename the column 'cust_nm' to 'customer_name' in a pandas DataFrame called df."),
        (R, "Uppercase the SQL keywords in this query and change nothing else: select name, email from users "
            "where active = true order by name;"),
        (R, "What is the difference between CHAR and VARCHAR, in a sentence or two?"),
        (R, "Here is the header row of our export: id,first_name,last_name,email,signup_date,plan,country,"
            "referral_code,last_login,newsletter_opt_in. List the column names one per line."),
        (R, "How do I count the rows of a table called invoices?"),
    ],
    "science": [
        (H, "A 2.0 kg block slides down a frictionless 30 degree incline from a height of 1.5 m. How fast is "
            "it moving at the bottom, and how long does the slide take?"),
        (H, "How many grams of sodium chloride do I need to make 250 mL of a 0.15 M solution? Then how much of "
            "that solution gives 5 mmol of chloride?"),
        (H, "A kettle rated 2.2 kW heats 1.2 litres of water from 15 to 100 degrees C at 85% efficiency. How "
            "long does it take, and what does it cost at 0.32 per kWh?"),
        (H, "A radioactive sample has a half-life of 6 hours. What fraction remains after a day and a half, "
            "and when does it fall below 1% of the start?"),
        (H, "A car's fuel use is 6.5 L/100 km. Convert it to miles per US gallon and say how far it goes on a "
            "45 L tank in miles."),
        (H, "Two resistors of 4 and 12 ohms in parallel are in series with a 3 ohm resistor across a 9 V "
            "battery. Find the current through the 12 ohm resistor."),
        (H, "Balance C3H8 + O2 -> CO2 + H2O and find the mass of CO2 produced by burning 88 g of propane."),
        (R, "What is the boiling point of water at sea level in Fahrenheit?"),
        (R, "Convert 5 kilometres to metres."),
        (R, "What is Newton's second law, in one line?"),
        (R, "Define a mole in chemistry for a high school student."),
        (R, "Which planet in our solar system is the largest?"),
        (R, "Write a short paragraph for a science museum sign about why the sky looks blue during the day and "
            "red at sunset. Keep it friendly, avoid equations, and end with a question that invites visitors "
            "to look out of the big window next to the sign."),
        (R, "What is the chemical symbol for potassium?"),
    ],
    "localisation": [
        (H, "Translate this button label into German in at most 14 characters, keeping the informal 'du' "
            "register used in the rest of our app: 'Save your changes'."),
        (H, "Localise this sentence for a French audience: convert the price to euros at 0.92, the date to "
            "the French format, the temperature to Celsius, and keep it under 120 characters: 'Join us on "
            "July 4th for $25 - it'll be 86F, bring water!'"),
        (H, "Two translations of 'The tenant shall not sublet' into Spanish: (a) 'El inquilino no debe "
            "subarrendar', (b) 'El inquilino no subarrendará'. Which keeps the legal force of 'shall not' "
            "better in a contract, and why?"),
        (H, "Our Japanese product page says '送料無料' but the English version says 'free returns'. Explain the "
            "mismatch and write a corrected English line that fits in 30 characters."),
        (H, "Translate this error message into Polish so it works for every count (1, 2-4, 5+ files), using "
            "ICU plural syntax: 'You have {count} files waiting.'"),
        (H, "Adapt the idiom 'it's not rocket science' for a Brazilian Portuguese marketing email, keep the "
            "tone playful, and explain why a literal translation would fall flat."),
        (R, "Translate 'Thank you for your order' into Italian."),
        (R, "What language is spoken in Brazil?"),
        (R, "Translate this paragraph into Spanish:\n\nOur office will be closed on Monday for the public "
            "holiday. Orders placed over the weekend will ship on Tuesday, and our support team will reply "
            "to all messages as soon as we are back. Thank you for your patience and have a lovely long "
            "weekend."),
        (R, "What does 'i18n' stand for?"),
        (R, "Translate 'exit' into French, German and Dutch."),
        (R, "Put these locale codes in alphabetical order: fr-FR, de-DE, en-GB, es-ES, it-IT, pt-BR."),
        (R, "Summarise in English what this German sentence says: 'Die Lieferung verzögert sich um zwei "
            "Tage.'"),
    ],
    "lay_explanations": [
        (H, "My father takes warfarin and his doctor prescribed a course of antibiotics. In plain words, why "
            "might his INR be checked sooner, and which of his other habits (grapefruit, a daily beer, "
            "spinach salads) matter for it?"),
        (H, "I was fired two weeks after telling my manager I was pregnant; my contract says 'at will' and I "
            "live in California. In plain language, what claims might I have and what facts would decide "
            "them?"),
        (H, "Here are my blood test results: ferritin 8 ng/mL (range 15-150), haemoglobin 11.2 g/dL (range "
            "12-15.5), MCV 74 fL (range 80-100). Explain simply what the three together suggest and what a "
            "doctor would usually check next."),
        (H, "My lease says the deposit is returned 'within 30 days less reasonable deductions' and the "
            "landlord kept it all for repainting after I lived there 4 years. Explain in plain words whether "
            "that is likely allowed and why the length of stay matters."),
        (H, "A child weighs 18 kg. The label says 15 mg per kg every 6 hours, no more than 4 doses a day, and "
            "the syrup is 120 mg per 5 mL. How many mL per dose and what is the daily maximum in mL? Explain "
            "it simply."),
        (H, "My neighbour's tree fell on my car in a storm. In plain language, when would their insurance pay, "
            "when would mine, and what changes if they had been warned the tree was dead?"),
        (R, "What is a tendon, in simple words?"),
        (R, "What does 'power of attorney' mean? Explain it like I'm twelve."),
        (R, "What is the normal body temperature in Celsius?"),
        (R, "Explain in plain English what a will is and why people write one."),
        (R, "Rewrite this discharge note in friendlier, simpler words and keep every instruction: 'Patient "
            "to maintain adequate hydration, avoid strenuous activity for 72 hours, and present to the "
            "emergency department should fever exceed 38.5 C or the wound exhibit purulent discharge.'"),
        (R, "What is the difference between a virus and a bacterium, in one short paragraph for a leaflet?"),
        (R, "What does 'small claims court' mean?"),
    ],
    "business_writing": [
        (H, "We sell a subscription at 12 a month; acquiring a customer costs 90 and 4% cancel each month. "
            "Work out the customer lifetime value and the payback period, and say whether raising the price "
            "to 14 with 5% churn is better."),
        (H, "Write a pricing page comparison of three plans so that every feature in Basic is also in Pro, "
            "every feature in Pro is in Enterprise, and no plan lists more than six features; features: SSO, "
            "audit log, API, 5 users, unlimited users, priority support, exports, custom domains."),
        (H, "Our conversion fell from 3.1% to 2.4% after the redesign but traffic doubled from paid ads. "
            "Was the redesign the problem? Work through the numbers and what else you would need."),
        (H, "Write a product requirements section for bulk CSV import that covers the validation rules for "
            "duplicate emails, missing required columns and files over 10 MB, and states what the user sees "
            "in each case."),
        (H, "A supplier offers 2% off if we pay in 10 days instead of 45. Is taking the discount worth it if "
            "our credit line costs 9% a year? Show the calculation."),
        (H, "We have 40 hours of engineering time this sprint. Feature A takes 24h and is worth 10 points, B "
            "16h for 6, C 12h for 5, D 8h for 4. Which set maximises value, and what changes if A and C must "
            "ship together?"),
        (R, "Write a product description for a stainless steel water bottle that keeps drinks cold for 24 "
            "hours. It should mention the leak-proof lid, the three colours (sage, sand and midnight), the "
            "dishwasher-safe body and the lifetime warranty, and sound friendly and a bit outdoorsy for our "
            "online shop. Around 80 words."),
        (R, "Give me five tagline ideas for a bakery called Morning Crumb."),
        (R, "Write a polite email to a client saying the invoice is attached and payment is due in 30 days."),
        (R, "What does B2B stand for?"),
        (R, "Turn these meeting notes into bullet points: agreed the launch date of March 3, Sara owns the "
            "press release, budget stays at 20k, next check-in Friday."),
        (R, "Write a LinkedIn post announcing that our company has hired a new head of sales, Tom Becker, "
            "who joins from a logistics firm."),
        (R, "What is a SWOT analysis? One sentence."),
        (R, "Make this out-of-office message sound more professional: 'im away till monday, ping Jo if "
            "urgent'."),
    ],
    "puzzles": [
        (H, "Five houses in a row are painted red, blue, green, white and yellow. The green house is directly "
            "left of the white one, the red house is in the middle, the blue house is first, and yellow is "
            "not next to blue. What is the order?"),
        (H, "A farmer must cross a river with a wolf, a goat and a cabbage; the boat holds him and one item. "
            "Give the shortest sequence of crossings."),
        (H, "I have two coins that add up to 30 cents and one of them is not a nickel. What are they?"),
        (H, "Three boxes are labelled apples, oranges and mixed, and every label is wrong. You may take one "
            "fruit from one box. Which box do you pick from and how do you relabel all three?"),
        (H, "If it takes 5 machines 5 minutes to make 5 widgets, how long do 100 machines take to make 100 "
            "widgets? Explain."),
        (H, "Alice says Bob lies. Bob says Carol lies. Carol says Alice and Bob both lie. Who tells the truth?"),
        (H, "Fill the 4x4 grid so each row, column and 2x2 box holds 1-4 once:\n1 _ _ 4\n_ 4 1 _\n_ 1 4 _\n4 _ _ 1"),
        (R, "What is a palindrome? Give one example."),
        (R, "Tell me a riddle suitable for a seven year old."),
        (R, "What is the name of the puzzle with a 9x9 grid and the digits 1 to 9?"),
        (R, "Write a short introduction for our puzzle club's newsletter welcoming new members, mentioning "
            "that we meet on Wednesdays in the library, that beginners are welcome, and that this month's "
            "theme is logic grids. Keep it cheerful and under a hundred words."),
        (R, "Put these puzzle types in alphabetical order: sudoku, crossword, kakuro, nonogram, jigsaw."),
        (R, "How many squares are on a chessboard's single row?"),
    ],
    "planning": [
        (H, "Schedule four 1-hour meetings between 9 and 13: Ana can't do 9, Ben only 11 or 12, the design "
            "review needs both of them, the 1:1 with Ana must come before the design review, and the room is "
            "taken at 10. Give a schedule that works."),
        (H, "Plan a 3-day Rome itinerary where the Vatican Museums are on the day it is open late (Friday), "
            "the Colosseum is a morning visit, no day has more than two paid sights, and we arrive Thursday "
            "at 3 pm."),
        (H, "Seat 6 guests at a round table: Ann and Ben are a couple and sit together, Carl and Dee must not "
            "be neighbours, Eve sits opposite Ann, and Fay is next to Carl. Give one arrangement."),
        (H, "I need to be in Lyon by 14:00 Tuesday from London. Trains: the 07:01 Eurostar to Paris arrives "
            "10:17, TGVs from Paris Gare de Lyon leave 10:59 and 12:59 and take 2 h 4 min, and the transfer "
            "between stations takes 45 minutes. Which connection works and how much slack is there?"),
        (H, "Split 12 chores among 3 flatmates so everyone does the same total minutes, nobody does both "
            "bathrooms, and the cook never washes up: chores and minutes are listed below.\n"
            "kitchen 40, bathroom A 30, bathroom B 30, hoover 30, cooking 60, washing up 30, bins 10, "
            "laundry 40, shopping 50, dusting 20, windows 20, plants 10."),
        (H, "Our team of 5 needs on-call cover 7 days a week, one person a day, nobody two days in a row, "
            "and Kim is off Saturday and Sunday. Give a weekly rota that is as fair as possible."),
        (R, "Make a packing list for a weekend camping trip."),
        (R, "What time zone is Tokyo in?"),
        (R, "Write a friendly reminder to the team that the office party starts at 6 pm on Friday in the "
            "rooftop bar, that partners are welcome, and that they should tell Marta by Wednesday if they "
            "have dietary requirements so she can order the food. Keep it short and cheerful."),
        (R, "Turn this into a simple to-do list: buy milk, call the dentist, book the car service, pay rent."),
        (R, "How many days are there in a leap year?"),
        (R, "Put these tasks in the order I wrote them, numbered: email Sam, draft slides, lunch with Jo, "
            "review budget."),
        (R, "Suggest three names for a team offsite."),
    ],
    "spreadsheets": [
        (H, "In Excel, column A has dates and column B amounts. Write one formula for the total of B for "
            "weekdays in March 2025 only."),
        (H, "Write a Google Sheets formula that returns the second most recent order date per customer from "
            "a table with customer in A and order date in B."),
        (H, "My VLOOKUP returns #N/A for some IDs that are clearly in the list. The IDs came from a CSV "
            "export. Give the likely causes, in order, and a formula that works despite them."),
        (H, "Build a formula for a commission of 5% on sales up to 10,000, 8% on the part between 10,000 and "
            "25,000, and 12% above, for the amount in C2."),
        (H, "Column D has text like 'Smith, John (Sales)'. Write formulas that give 'John Smith' in E and "
            "'Sales' in F, and that still work when the department is missing."),
        (H, "A loan of 18,000 at 6.5% a year over 5 years with monthly payments: what formula gives the "
            "payment, and how much interest is paid in total?"),
        (R, "What does the SUM function do in Excel?"),
        (R, "How do I freeze the top row in Google Sheets?"),
        (R, "Write a formula that adds cells A1 and B1."),
        (R, "What is the shortcut to insert the current date into a cell in Excel?"),
        (R, "Here is a list of column headers from our sales sheet: Region, Rep, Product, Units, Unit "
            "Price, Discount, Net, Quarter, Channel, Notes. Put them in alphabetical order."),
        (R, "Explain what a pivot table is to someone who has never used one, in a short paragraph."),
        (R, "Make this cell comment more polite: 'Wrong numbers again, fix before Friday.'"),
    ],
    "operations": [
        (H, "Disk on the web server is 100% full but du on / only adds up to 40 GB of the 100 GB. Nginx was "
            "restarted last week, logrotate runs nightly. What is most likely holding the space and how do "
            "you free it without downtime?"),
        (H, "After we raised the pod memory limit from 512Mi to 1Gi the Java service still gets OOMKilled at "
            "the same point. The JVM runs with -Xmx768m and uses 200 threads. Explain why and what to change."),
        (H, "This cron line never runs at 2:30 on weekdays as intended. Why, and correct it:\n30 2 * * 1-5 "
            "root /opt/backup.sh > /var/log/backup.log  -- it's in a user crontab edited with crontab -e."),
        (H, "Write a bash one-liner that finds the 5 IP addresses with the most 5xx responses in an nginx "
            "access log in the default combined format."),
        (H, "Latency p99 jumped from 80 ms to 900 ms at 14:05; CPU is flat, DB connections hit the pool "
            "maximum of 20 at 14:04, and a deploy at 14:00 added a call to an external API inside a "
            "transaction. Walk through the likely causal chain and the fix."),
        (H, "Our TLS certificate renewed fine but some Android clients now fail to connect while browsers "
            "work. The new chain file only contains the leaf. What happened and how do you verify the fix?"),
        (R, "What does the ls command do?"),
        (R, "How do I check which version of Ubuntu I'm running?"),
        (R, "What port does HTTPS use by default?"),
        (R, "Reformat this log line as key: value pairs, one per line: ts=2025-03-02T10:00:01Z level=warn "
            "svc=billing msg=retrying attempt=2"),
        (R, "Write a short status page update saying that the scheduled database maintenance tonight from 22:00 "
            "to 23:00 UTC may cause brief interruptions to the dashboard, that no data will be lost, that "
            "the API stays available, and that we will post again when the work is finished."),
        (R, "What is the command to restart a systemd service called nginx?"),
        (R, "Explain in one sentence what a load balancer does."),
    ],
}

LABEL = "judged by the rule of bench/routing/unseen_kinds.py before scoring: heavy = weak fails, flagship succeeds"


def main() -> None:
    for kind, cases in CASES.items():
        for i, (heavy, prompt) in enumerate(cases):
            print(json.dumps({"id": f"uk-{kind}-{i}", "source": f"unseen-kinds/{kind}", "prompt": prompt,
                              "weak_correct": not heavy, "strong_correct": True, "label": LABEL},
                             ensure_ascii=False))


if __name__ == "__main__":
    main()
