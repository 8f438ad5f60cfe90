"""Open-ended prompts in the style of MT-bench's eight categories, written for Turnout (not taken from
MT-bench or any RouteLLM file), each labelled by one written rule: does a weak (local-class) model fail
where a flagship succeeds? Writes `turnout scorer train` cases, one `source` per category
(`mtbench-style/<category>`), so a scorer is judged on categories it never saw.

    python bench/routing/mtbench_style.py > bench/routing/mtbench_style.jsonl

The rule (a judgement, recorded in each row's `label`). MT-bench's published per-category scores
(Zheng et al. 2023, "Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena", the per-category chart) show 7B-13B open models close to GPT-4
on writing, roleplay, humanities and STEM knowledge, and far behind it on coding, math, reasoning and
extraction. A prompt here is `heavy` (weak fails, strong succeeds) when it needs what those categories
need, in whatever category it sits:
- a program with an algorithm, a complexity bound, concurrency, or a bug to find (not boilerplate);
- a calculation of more than one step, a proof, probability or counting;
- a deduction over several premises (ordering, liars, state puzzles, trick questions);
- structured output of several fields under rules (JSON/CSV/table, conversion, normalising, inferring);
- several hard constraints at once on a text (acrostic, exact counts, every sentence starting with ...).
Otherwise it is `routine` (both succeed): a single fact, a boilerplate snippet, one-step arithmetic,
a one-field lookup, or open writing and role-play with no hard constraint, however long the brief.
Each category holds heavy and routine prompts in about the share that category's gap suggests, and
lengths cross over (long routine briefs, short heavy asks), so length alone cannot sort them.
"""

from __future__ import annotations

import json

H, R = True, False  # heavy (weak fails where the flagship succeeds), routine (both succeed)

CASES: dict[str, list[tuple[bool, str]]] = {
    "coding": [
        (H, "Write a C++ program that finds the longest common subsequence of two strings with dynamic "
            "programming, and state its time and space complexity."),
        (H, "Implement a function that returns the median of two sorted arrays in O(log(min(m, n))) time. "
            "Explain the partition step."),
        (H, "Given a binary tree, write a function that returns the lowest common ancestor of two nodes "
            "without parent pointers."),
        (H, "Write a Python class for a token-bucket rate limiter that is safe to call from several threads."),
        (H, "Find the bug in this function and fix it:\n```python\ndef binary_search(a, x):\n    lo, hi = 0, "
            "len(a)\n    while lo < hi:\n        mid = (lo + hi) // 2\n        if a[mid] < x:\n            lo = mid\n"
            "        else:\n            hi = mid\n    return lo\n```"),
        (H, "Write a regular expression that validates IPv4 addresses (each octet 0-255, no leading zeros) and "
            "explain each part."),
        (H, "Implement a trie in JavaScript with insert, search and prefix deletion, plus unit tests for the "
            "edge cases."),
        (H, "Write a SQL query that returns, for every department, the employee with the third-highest salary, "
            "handling ties and departments with fewer than three people."),
        (H, "Write a function to detect a cycle in a directed graph and return one cycle if there is one."),
        (H, "Implement merge sort on a singly linked list using O(1) extra memory apart from the recursion."),
        (H, "Implement a program that finds the majority element of an array in linear time and constant space."),
        (H, "Given an array of integers, count the subarrays whose sum equals k, in linear time."),
        (H, "Write an asyncio Python program that downloads 100 URLs with at most 5 requests in flight, retries "
            "each failure twice with exponential backoff, and reports the total time."),
        (H, "Refactor this so it no longer takes quadratic time:\n```js\nfunction dupes(xs) {\n  const out = [];\n"
            "  for (let i = 0; i < xs.length; i++)\n    for (let j = i + 1; j < xs.length; j++)\n"
            "      if (xs[i] === xs[j] && !out.includes(xs[i])) out.push(xs[i]);\n  return out;\n}\n```"),
        (H, "Quicksort in place without recursion, in C."),
        (R, "How do I print 'Hello, world' in Python?"),
        (R, "What does the HTML <br> tag do?"),
        (R, "Write a Python function that returns the sum of a list of numbers."),
        (R, "In one sentence, what is the difference between a list and a tuple in Python?"),
        (R, "Give me the git command to create a new branch called feature-login and switch to it, and tell me "
            "how to push it to the remote repository the first time so that my teammates can see it."),
        (R, "Write a CSS rule that makes all paragraphs blue."),
        (H, "Write a function that checks whether a binary tree is balanced."),
        (H, "Reverse a linked list in place."),
        (H, "Implement binary search on a rotated sorted array."),
        (H, "Find the k-th largest element of an unsorted array without sorting it."),
        (H, "Remove duplicates from a sorted array in place and return the new length."),
        (H, "Implement an LRU cache with O(1) get and put."),
        (R, "I'm new to programming and want to learn Python this summer. Could you suggest free "
            "websites, a few small beginner projects, and how many hours a week I should practise to make "
            "steady progress?"),
        (R, "Explain in plain words what an API is, for a manager with no technical background who wants "
            "to understand why the engineering team keeps mentioning them in our planning meetings."),
    ],
    "math": [
        (H, "The vertices of a quadrilateral are (1, 2), (4, 6), (9, 3) and (5, -1). Find its area and its "
            "perimeter."),
        (H, "A number leaves remainder 5 when divided by 9. What remainder does 4 times the number leave when "
            "divided by 3?"),
        (H, "Find all real solutions of |2x - 3| + |x + 1| = 7."),
        (H, "Two dice are rolled. What is the probability that the product is a multiple of 3 or the sum is 8?"),
        (H, "Evaluate 1/(1*2) + 1/(2*3) + ... + 1/(99*100) and show why the terms telescope."),
        (H, "Prove that n^3 - n is divisible by 6 for every integer n."),
        (H, "A cone of height 12 cm and base radius 5 cm is filled with water to half its height. What fraction "
            "of its volume holds water?"),
        (H, "Solve x + y + z = 6, 2x - y + 3z = 14, x + 2y - z = -2."),
        (H, "Find the minimum of f(x) = x^2 + 16/x for x > 0 and where it occurs."),
        (H, "How many positive integers below 1000 are divisible by 3 or 5 but not by 7?"),
        (H, "In a geometric sequence the 3rd term is 12 and the 6th is 96. Find the sum of the first 10 terms."),
        (H, "Given g(x) = 2x^3 - 5x + 1, compute g(g(1)) and the slope of g at x = 2."),
        (H, "A committee of 4 is chosen from 6 women and 5 men. How many committees have at least 2 women? "
            "Show the casework."),
        (H, "Find the area enclosed by y = x^2 - 4 and y = 2 - x."),
        (R, "What is 25% of 240?"),
        (R, "What is the square root of 144?"),
        (R, "Round 7.386 to one decimal place."),
        (R, "What is 9 times 7?"),
        (R, "How many centimeters are in 2.5 meters?"),
        (R, "Is 17 a prime number?"),
        (H, "Solve x^4 - 5x^2 + 4 = 0."),
        (H, "What is the sum of the digits of 2^15?"),
        (H, "Integrate x e^x dx."),
        (H, "Find the remainder of 7^100 divided by 13."),
        (R, "My daughter is learning fractions at school and finds them confusing. Could you explain in a "
            "friendly way what a fraction like three quarters means, maybe with a pizza or a chocolate "
            "bar as the example?"),
        (R, "I am planning a small vegetable garden. Can you explain in simple terms what area and "
            "perimeter mean, so that I can follow the instructions in my gardening book about fencing and "
            "soil?"),
    ],
    "reasoning": [
        (H, "Anna is taller than Ben, Ben is taller than Carl, and Dana is shorter than Carl but taller than Eve. "
            "Who is the second shortest? Explain."),
        (H, "Five friends sit in a row. Maya is not at either end, Jon sits directly left of Priya, Leo is at "
            "the right end and Sam is next to Leo. In what order do they sit?"),
        (H, "A farmer must cross a river with a wolf, a goat and a cabbage; the boat carries him and one of "
            "them. Give a safe sequence of crossings and say why it works."),
        (H, "If all bloops are razzies and some razzies are lazzies, does it follow that some bloops are "
            "lazzies? Justify your answer."),
        (H, "Three boxes are labelled 'apples', 'oranges' and 'mixed', and every label is wrong. You may take "
            "one fruit from one box. How do you relabel all three?"),
        (H, "A bat and a ball cost $1.10 together and the bat costs $1.00 more than the ball. What does the "
            "ball cost?"),
        (H, "Four suspects each make one statement and exactly one of them lies. Ali: 'Bo did it.' Bo: 'Cy "
            "did it.' Cy: 'Bo is lying.' Di: 'I didn't do it.' Who did it?"),
        (H, "Lucia has four brothers and each brother has two sisters. How many daughters are in the family?"),
        (H, "You face north, turn 90 degrees right, then turn around, then turn 45 degrees left. Which way "
            "are you facing?"),
        (H, "A clock shows 3:15. What is the angle between the hands, and when after 3:00 do they next overlap?"),
        (H, "In a tournament every team plays every other team once and 45 matches were played. How many "
            "teams were there?"),
        (H, "The bakery opened after the library but before the school, the park is older than the library, "
            "and the school opened last. Put the four in order and say which clue fixes each place."),
        (H, "If 5 machines make 5 widgets in 5 minutes, how long do 100 machines take to make 100 widgets?"),
        (H, "A snail climbs 3 m up a 10 m well each day and slides back 2 m each night. On which day does it "
            "get out?"),
        (R, "If today is Wednesday, what day was it yesterday?"),
        (R, "Which is heavier, a kilogram of feathers or a kilogram of iron?"),
        (R, "What comes next: 2, 4, 6, 8?"),
        (R, "Is a whale a mammal or a fish?"),
        (R, "If I leave an ice cube on a sunny windowsill for an hour on a warm summer afternoon, what will "
            "I most likely find there when I come back, and why?"),
        (R, "Which month comes after March?"),
        (H, "Which is larger, 2^30 or 10^9?"),
        (H, "If some cats are black and all black things are shiny, must some cats be shiny?"),
        (H, "How many times a day do a clock's hands overlap?"),
        (R, "My friend says that going out in cold weather with wet hair will give you a cold. Is that "
            "true or a myth? Please explain what actually causes colds, in a few friendly sentences."),
        (R, "We are a family of four choosing between a beach holiday and a mountain cabin this summer. "
            "The kids love swimming and my partner loves hiking. What are some things we might think "
            "about when choosing?"),
    ],
    "extraction": [
        (H, "From the reviews below, return a JSON array with one object per review: the product, a rating "
            "from 1 to 5 that you infer, and the main complaint (null if none).\n1. The SoundMax earbuds died "
            "after a week, though the bass was great.\n2. Loved the Breeze fan: quiet, cheap, and it survived "
            "the summer.\n3. The Atlas backpack is fine, but the zipper jammed twice on my first trip."),
        (H, "Extract every date in this text, convert each to YYYY-MM-DD, and list them in order as JSON: 'The "
            "lease starts on March 3rd, 2025, rent is due on the 1st of each month from 04/01/2025, and notice "
            "must be given by 15 Jan 2026.'"),
        (H, "Output a CSV with columns company, ceo, revenue_usd_millions, year from these summaries, "
            "converting every revenue to millions of US dollars.\n- Norvik AS, led by Ingrid Olsen, reported "
            "NOK 2.1 billion in 2023 (1 USD = 10.5 NOK).\n- Kestrel Labs (CEO: Raj Patel) made $840 million in "
            "2022.\n- Brightwater plc had revenue of GBP 310m in 2023 under Sarah Cole (1 GBP = 1.25 USD)."),
        (H, "Return the people, organisations and places in this paragraph as a JSON object with those three "
            "keys, each list sorted alphabetically: In 2019, Amara Diallo left the World Bank in Washington to "
            "found GreenGrid, a solar start-up in Dakar, with money from the Lisbon-based Atlantico Fund and "
            "advice from Professor Kenji Mori of Kyoto University."),
        (H, "Turn this transcript into a table of action items (owner, task, deadline); skip anything that is "
            "not a commitment.\nPriya: I'll send the revised budget by Thursday.\nTom: Someone should look at "
            "the vendor contract.\nLena: Fine, I'll take the contract, end of next week.\nTom: And I'll book "
            "the venue tomorrow, if the budget holds."),
        (H, "For each service in these log lines, give the number of ERROR lines and the first time it failed, "
            "as JSON.\n2024-05-01T10:00:02 auth INFO started\n2024-05-01T10:00:05 billing ERROR timeout\n"
            "2024-05-01T10:01:10 auth ERROR bad token\n2024-05-01T10:02:00 billing ERROR timeout\n"
            "2024-05-01T10:03:30 search INFO ok"),
        (H, "Extract the ingredients and quantities, scale them from 4 to 6 servings, and output YAML: 'For "
            "four people you need 300 g of spaghetti, 2 cloves of garlic, 60 ml of olive oil and a pinch of "
            "chili flakes.'"),
        (H, "From this job ad extract the title, the years of experience required, the salary range as two "
            "numbers and the required skills (not the nice-to-haves) as JSON.\nSenior Data Engineer (Berlin, "
            "hybrid). You have 5+ years building pipelines with Spark and Airflow, strong SQL and Python. Kafka "
            "is a plus. Salary EUR 75,000-90,000."),
        (H, "Give each person's age as name: age, then say who is oldest: 'Mark is twice as old as Julia, who "
            "is 4 years younger than Ken. Ken turned 19 last month.'"),
        (H, "Parse these addresses into street, number, postcode and city, in JSON:\n'Rua das Flores 12, "
            "4050-262 Porto'\n'221B Baker Street, London NW1 6XE'\n'Kaiserstrasse 5, 60311 Frankfurt am Main'"),
        (R, "What is the email address in this sentence? 'Please write to support@example.com for help.'"),
        (R, "Which city is mentioned here: 'We flew to Oslo last week.'"),
        (R, "Pull out the phone number: 'Call us on 555-0134 any weekday.'"),
        (R, "What year is mentioned in this sentence: 'The bridge was built in 1932.'"),
        (R, "List the colours mentioned: 'She wore a red scarf and blue shoes.'"),
        (R, "Extract the title of the book from this message I got from my friend this morning: 'Hey! I just "
            "finished reading The Hobbit on the train and honestly loved every page of it, you have to borrow "
            "it next time we meet for coffee.'"),
        (R, "What is the price in this text? 'The lamp is on sale for $24.99.'"),
        (R, "Who is quoted here? '\"Stay hungry, stay foolish.\" - Steve Jobs'"),
        (R, "Copy out the first sentence of this paragraph: 'The rain stopped at noon. We went outside. The "
            "streets were wet and shining, and the smell of the bakery on the corner drifted down the road.'"),
        (R, "Find the hashtag in this tweet: 'Great run this morning #marathontraining'"),
        (H, "Convert 'Mar 5, 2024 3:07pm PST' to UTC in ISO 8601."),
        (H, "Return the SKUs and total quantities in 'SKU-11 x3; SKU-7 x12; SKU-11 x2' as JSON, merging "
            "repeats."),
        (R, "Here is a message from my landlord: 'Hi, just a reminder that the plumber will come on "
            "Thursday morning between 9 and 11 to look at the kitchen sink. Please make sure someone is "
            "home. Thanks, Maria.' On which day is the plumber coming?"),
    ],
    "stem": [
        (H, "A 2 kg block slides down a 30-degree incline with a friction coefficient of 0.2. Find its "
            "acceleration and its speed after 5 m from rest."),
        (H, "Balance the redox equation for permanganate oxidising iron(II) in acid and say how many electrons "
            "are transferred."),
        (H, "Show why building a binary heap from n elements takes O(n) time, not O(n log n), with the sum."),
        (H, "A photon has wavelength 450 nm. Compute its energy in eV, then the maximum kinetic energy of an "
            "electron it ejects from a metal whose work function is 2.3 eV."),
        (H, "Derive the period of a simple pendulum for small angles from Newton's second law and say where "
            "the small-angle approximation enters."),
        (H, "How many grams of sodium chloride make 250 mL of a 0.4 M solution, and what is its osmolarity?"),
        (H, "A gene drive with 95% homing efficiency starts in 10% of a population. Estimate the share of "
            "carriers after three generations of random mating, showing each generation."),
        (R, "What is photosynthesis, in simple terms?"),
        (R, "Why is the sky blue?"),
        (R, "What is the boiling point of water at sea level in Celsius?"),
        (R, "Explain what DNA is to a ten-year-old who is curious about why she looks like her parents and "
            "her brother does not, using a comparison with a recipe book."),
        (R, "What is the difference between weather and climate?"),
        (R, "Name three renewable sources of energy."),
        (R, "What does a thermometer measure?"),
        (R, "Explain what a black hole is in two sentences."),
        (R, "What organ pumps blood around the body?"),
        (R, "Why do we have seasons on Earth?"),
        (R, "What is the chemical symbol for gold?"),
        (R, "Describe the water cycle briefly."),
        (R, "What is machine learning? Give a one-paragraph explanation for a beginner who works in "
            "marketing, with an everyday example from online shopping."),
        (R, "Explain, for a curious high-school student, the idea of quantum superposition and why people "
            "say that entangled particles stay linked even when they are far apart."),
        (R, "Describe how vaccines train the immune system, mentioning antibodies and memory cells, in a "
            "way that a worried parent could understand."),
        (R, "What are the main differences between mitosis and meiosis, and why does the body need both "
            "of them?"),
        (R, "How do electric cars store energy in their batteries, and what limits how far they can drive "
            "on one charge in winter?"),
    ],
    "humanities": [
        (H, "Apply Kant's categorical imperative and Mill's utilitarianism to one concrete dilemma, and show "
            "step by step where their verdicts diverge and why."),
        (H, "Evaluate the claim that the printing press caused the Reformation: give two lines of evidence "
            "for it, two against, and a reasoned conclusion."),
        (H, "Explain comparative advantage with a two-country, two-good numerical example, and show that both "
            "countries gain from trade at some price."),
        (H, "Compare how an unreliable narrator and a reliable first-person narrator shape the reader's moral "
            "judgement, citing specific scenes from two novels."),
        (R, "Who was the first president of the United States?"),
        (R, "What is the main theme of Romeo and Juliet?"),
        (R, "Give a short summary of the French Revolution."),
        (R, "What is stoicism, in a few sentences?"),
        (R, "Why do people celebrate New Year?"),
        (R, "Name three famous painters from the Renaissance."),
        (R, "What is the role of a central bank, briefly?"),
        (R, "Tell me about the history of the Olympic Games in a paragraph, from ancient Greece to the modern "
            "revival, and mention a few of the sports that were held in the very first modern games."),
        (R, "What is the difference between a democracy and a monarchy?"),
        (R, "Suggest three books for someone interested in ancient Rome."),
        (R, "What does 'carpe diem' mean?"),
        (R, "Explain what supply and demand means with an everyday example."),
        (R, "Who painted the Mona Lisa?"),
        (R, "What language is spoken in Brazil?"),
        (R, "Describe the culture of tea in Japan briefly."),
        (R, "What were the causes of World War I, in brief?"),
        (R, "Discuss how the smartphone has changed the way families spend time together, with a few "
            "examples from everyday life, and both the positive and the negative sides."),
        (R, "Describe the main ideas of the Renaissance and how they changed art, science and the way "
            "people thought about human potential, in about three paragraphs."),
        (R, "What lessons can modern leaders learn from the way Nelson Mandela approached reconciliation "
            "after apartheid?"),
    ],
    "writing": [
        (H, "Write an acrostic poem about autumn whose lines spell HARVEST, every line exactly eight syllables, "
            "rhyming ABAB."),
        (H, "Write a persuasive essay of exactly three paragraphs for a four-day work week: the first must "
            "contain a statistic, the second a counter-argument you rebut, and no sentence may exceed 20 words."),
        (H, "Rewrite this so that every sentence begins with the letter S, keeping the plot: 'The storm arrived "
            "at dusk. Mara locked the shutters and waited. Somewhere a dog barked twice, then stopped.'"),
        (H, "Write a story under 150 words told in reverse chronological order, whose twist is in the first "
            "sentence, using the words 'lantern', 'ledger' and 'lullaby'."),
        (R, "Write a short poem about spring."),
        (R, "Write a friendly email to my neighbour asking to borrow a ladder."),
        (R, "Write an engaging blog post about a week-long trip to Vietnam, highlighting the street food, the "
            "night markets in Hanoi, a boat trip through Ha Long Bay and a few tips for first-time visitors."),
        (R, "Compose a thank-you card message for a teacher."),
        (R, "Write a product description for a cozy wool blanket."),
        (R, "Write a motivational quote for Monday morning."),
        (R, "Draft a short speech to welcome new employees to our company on their first day, mentioning our "
            "values of openness and curiosity, the mentoring programme, and the team lunch on Friday."),
        (R, "Write a travel blog paragraph about a weekend in Rome."),
        (R, "Write a limerick about a forgetful dog."),
        (R, "Write a short LinkedIn post announcing that I started a new job as a product designer at a "
            "healthcare start-up, thanking my former colleagues and saying what I look forward to."),
        (R, "Write a bedtime story about a brave little turtle."),
        (R, "Write an apology note for missing a friend's party."),
        (R, "Write a catchy headline for an article about healthy breakfasts."),
        (R, "Write a four-line birthday poem for my sister."),
        (R, "Write a short review of a cafe with great pastries."),
        (R, "Write a paragraph describing a rainy afternoon in the city."),
        (H, "Write a haiku in which every word starts with M."),
        (H, "Write a palindrome sentence of at least eight words."),
        (R, "Compose a heartfelt letter to my grandmother, who just moved into a care home, telling her "
            "about my first semester at university, the friends I made, and how much I miss her cooking."),
        (R, "Write a captivating short story that begins with a young woman finding an old map in her "
            "late grandfather's attic, and follows her first steps into the adventure it leads to."),
        (R, "Draft a professional email to a client explaining that their furniture order will arrive two "
            "weeks late because of a supplier problem, apologising and offering a discount on their next "
            "order."),
    ],
    "roleplay": [
        (H, "You are a chess grandmaster. After 1. e4 e5 2. Nf3 Nc6 3. Bb5 a6 4. Ba4 Nf6 5. O-O Be7, explain "
            "in character both sides' plans and which move you would play next, and why."),
        (H, "Act as a tax adviser. A freelancer earned $84,000 with $12,500 of deductible expenses and pays "
            "15.3% self-employment tax on 92.35% of net earnings. Walk me through the tax, in character."),
        (H, "You are a detective in 1920s London. Interview three suspects you invent, keep each alibi "
            "consistent, then deduce with explicit reasoning which alibi cannot be true."),
        (H, "Play a senior software architect reviewing my plan: one Postgres instance, 30k writes per second, "
            "reads from three regions. Name the bottlenecks and propose a design with numbers."),
        (H, "Be a Socratic tutor: lead me one question at a time to prove that a triangle's angles sum to 180 "
            "degrees, without ever stating the proof."),
        (R, "Pretend you are a pirate and greet me."),
        (R, "Act as a friendly barista and take my coffee order."),
        (R, "You are a tour guide in Paris. Welcome our group of twenty retired teachers from Canada, tell them "
            "what we will see today along the Seine, and remind them politely to stay together near the metro."),
        (R, "Pretend to be my personal trainer and motivate me to go for a run."),
        (R, "Roleplay as a medieval knight introducing yourself to the king."),
        (R, "Act like a cheerful weather presenter and announce a sunny day."),
        (R, "You are Santa Claus. Reply to a child's letter asking for a bicycle."),
        (R, "Pretend you are a cat and describe your morning."),
        (R, "Act as a hotel receptionist checking me in."),
        (R, "Be a sports commentator describing the final seconds of a basketball game."),
        (R, "Pretend you are a wise old wizard giving advice to a young apprentice who is nervous about her "
            "first journey alone through the forest, and give her three pieces of advice she will remember."),
        (R, "Act as a librarian recommending a book to a teenager."),
        (R, "You are a robot who just learned about friendship. Tell me about it."),
        (R, "Play a game show host introducing the next contestant."),
        (R, "Pretend you're a chef explaining your favourite dish."),
        (H, "As a poker pro, compute the pot odds facing a $30 bet into a $90 pot and say whether calling "
            "with a flush draw (9 outs, one card to come) is profitable."),
        (R, "Imagine you are a seasoned travel agent. A young couple wants a romantic ten-day trip to "
            "Italy in September on a moderate budget. Greet them warmly, ask about their interests and "
            "suggest a rough plan."),
        (R, "Pretend to be a famous explorer just back from Antarctica. Describe to a class of "
            "schoolchildren what the ice, the cold and the penguins were like, and answer two questions "
            "they might ask."),
        (R, "Act as a friendly customer support agent for an online bookshop. A customer writes that "
            "their order arrived with a torn cover. Respond with empathy and explain what you will do "
            "about it."),
    ],
}

LABEL = "judged by category and difficulty (bench/routing/mtbench_style.py): heavy = weak fails, flagship succeeds"


def main() -> None:
    for category, cases in CASES.items():
        for i, (heavy, prompt) in enumerate(cases):
            print(json.dumps({"id": f"mtbs-{category}-{i}", "source": f"mtbench-style/{category}", "prompt": prompt,
                              "weak_correct": not heavy, "strong_correct": True, "label": LABEL}))


if __name__ == "__main__":
    main()
