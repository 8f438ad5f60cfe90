"""Prompts of task kinds the other labelled sets lack, written for Turnout (not taken from any benchmark
or RouteLLM file), each labelled by one written rule: does a weak (local-class) model fail where a
flagship succeeds? One `source` per kind (`task-kinds/<kind>`), each holding both labels, so a scorer is
judged on kinds it never saw.

    python bench/routing/task_kinds.py > bench/routing/task_kinds.jsonl

The kinds: analysis and evaluation of a question or a text, argumentation, legal and contract analysis,
security and threat modelling, estimation, research and experiment design, data analysis, strategy and
planning, and everyday editing. Each kind holds heavy asks and their routine counterparts in the same
domain and vocabulary (a contract clause to reformat next to one to interpret), so a domain's words
cannot decide the label.

The rule (a judgement by the engineer who wrote the prompts, recorded in each row's `label`; no model
was run). A prompt is `heavy` (weak fails, flagship succeeds) when the answer must build and weigh
something of its own over several steps:
- weigh competing explanations, options or readings against evidence or criteria, and conclude;
- build an argument or a rebuttal that must hold up (steelman, objections, where it breaks);
- enumerate adversarial cases systematically (attacks and mitigations, loopholes, failure modes);
- chain estimates through stated assumptions and check them;
- design an experiment or a study (hypotheses, controls, metrics, threats to validity);
- reason statistically over given data (confounders, significance, what the numbers support);
- a plan in phases with dependencies, risks and trade-offs.
Otherwise it is `routine` (both succeed): a definition or a short lookup, reformatting, sorting, a list
the text already holds, extracting one value that is written in the text, rewording, a short summary, or
a polite note, however long the pasted material or the brief. Output under a schema with several fields
or conversions (JSON, CSV, normalised dates) is left out: bench/routing/mtbench_style.py's rule already
counts it heavy, and this set keeps to that rule. Small models do these well (MT-bench's
writing and humanities categories; instruction-following of the kind SmolLM2 is tuned on) and lose on
the first kind (MT-bench's reasoning category, multi-step analysis). These are judgements, not measured
outcomes; the same engineer wrote the rule, the prompts and the features, which flatters a held-out
figure on this file. Wording and length vary on purpose (short heavy asks, long routine ones).
"""

from __future__ import annotations

import json

H, R = True, False  # heavy (weak fails where the flagship succeeds), routine (both succeed)

CASES: dict[str, list[tuple[bool, str]]] = {
    "analysis": [
        (H, "Why did the Western Roman Empire fall? Weigh the economic, military and political explanations "
            "historians give and say which the evidence supports best."),
        (H, "Assess whether the printing press or the rise of universities did more to spread scientific ideas "
            "in early modern Europe. Use specific examples."),
        (H, "Read the essay below and critique its central argument: identify the unstated assumptions, the "
            "weakest piece of evidence, and one counterexample.\n\nEssay: Remote work lowers productivity "
            "because people at home are distracted. A survey of 200 managers found most of them believed "
            "their teams got less done. Therefore companies should bring everyone back to the office."),
        (H, "Evaluate the claim that social media caused the rise in teenage anxiety since 2012. Separate "
            "correlation from causation and discuss alternative explanations."),
        (H, "Compare Keynesian and monetarist accounts of the stagflation of the 1970s and judge which one "
            "better explains the data on prices and unemployment."),
        (H, "What were the main causes of the Dust Bowl? Rank them by importance and defend the ranking."),
        (H, "Critically analyse the use of unreliable narration in The Great Gatsby: how does Nick's "
            "perspective shape what the reader believes, and where does the novel undercut him?"),
        (H, "Two historians disagree about whether the Marshall Plan drove Western Europe's post-war "
            "recovery. Lay out both positions, the strongest evidence for each, and your verdict."),
        (H, "Examine the strengths and limitations of GDP as a measure of national well-being and propose a "
            "better indicator, justifying each component."),
        (H, "Interpret the ending of the poem and argue which of two readings is more defensible."),
        (R, "Summarise the plot of Romeo and Juliet in three sentences."),
        (R, "Who wrote Pride and Prejudice?"),
        (R, "In what year did the Berlin Wall fall?"),
        (R, "Give a one-paragraph description of the Industrial Revolution for a school newsletter."),
        (R, "List the main characters of The Great Gatsby."),
        (R, "Here is an essay introduction. Fix the spelling and punctuation only, without changing the "
            "content:\n\nThe industrial revolution begun in britain in the late 18th centuary, it changed "
            "how people lived and worked, factorys grew quickly and citys expanded as workers moved from "
            "the countryside in search of wages."),
        (R, "What is the main theme of Orwell's Animal Farm, in one sentence?"),
        (R, "Write a short caption for a museum photo of a Roman coin."),
        (H, "Why did the Soviet Union collapse? Weigh the main theories."),
        (H, "Was Versailles to blame for the Second World War? Make the case and test it."),
        (R, "Summarise this passage in two sentences for a class handout:\n\nThe Silk Road was not a single road but a "
            "network of trade routes linking China with Central Asia, Persia, Arabia and the Mediterranean. "
            "Merchants rarely travelled its whole length; goods passed through many hands, and with them "
            "travelled religions, technologies and diseases. Caravan cities such as Samarkand and Kashgar "
            "grew rich on the trade, and the routes declined only when sea travel became cheaper and safer."),
    ],
    "argumentation": [
        (H, "Steelman the case against a four-day work week, then rebut it point by point."),
        (H, "Construct the strongest argument for and against nuclear power as a climate solution, identify "
            "the key empirical disagreement, and say what evidence would settle it."),
        (H, "Is it ever ethical to break a promise? Argue a position, anticipate two objections and answer "
            "them."),
        (H, "Identify the logical fallacies in this paragraph and explain why each one undermines the "
            "conclusion: 'Everyone I know uses this app, so it must be safe. Critics are just jealous "
            "competitors, and if we ban it, next they will ban the internet.'"),
        (H, "Write a debate brief arguing that cities should abolish minimum parking requirements, with "
            "evidence, likely counterarguments and responses."),
        (H, "My friend says that because the universe is fine-tuned, it must have been designed. Evaluate "
            "the argument's structure and the best objections to it."),
        (H, "Defend or refute: 'Standardised tests measure privilege more than ability.' Justify each step."),
        (H, "Which is the stronger case for universal basic income, the automation argument or the "
            "poverty-trap argument? Weigh them against the evidence from pilot programmes."),
        (H, "Point out where this reasoning goes wrong and repair it if you can: if the premises are true "
            "the conclusion must be, the premises are plausible, therefore the conclusion is certain."),
        (R, "Write a friendly note inviting colleagues to the debate club on Thursday."),
        (R, "What is a straw man argument? One sentence."),
        (R, "Give me a catchy title for a debate about school uniforms."),
        (R, "Rephrase this more politely: 'Your argument makes no sense.'"),
        (R, "Put these debate topics into a numbered list: school uniforms, homework bans, voting at sixteen, "
            "four-day weeks."),
        (R, "Thank the audience for attending tonight's debate in two sentences."),
        (R, "Name three famous philosophers from ancient Greece."),
        (R, "I am preparing the programme for our school's annual debate evening. Please turn the following "
            "into a tidy schedule with times: doors open at six, welcome by the head teacher at six thirty, "
            "first motion at six forty, interval at seven thirty with refreshments in the hall, second "
            "motion at seven fifty, results and prizes at eight forty."),
        (H, "Is free will compatible with determinism? Take a side and hold it against the best reply."),
        (H, "Make the best case against your own view on zoos, then answer it."),
        (R, "Fix the typos in my opening speech and change nothing else:\n\nGood evening ladys and gentlemen. "
            "Tonight we will argue that homework shuold be optional for students under twelve. We beleive "
            "that children learn best when they have time to play, read for fun and rest, and that evenings "
            "spent on worksheets do not help them as much as people think. Thank you for listening."),
    ],
    "legal": [
        (H, "Read this indemnification clause and explain who bears the risk if a subcontractor causes a data "
            "breach, and which words a court might read against the drafter:\n\n'Supplier shall indemnify "
            "Customer against all losses arising out of Supplier's performance, save where caused by "
            "Customer's negligence or that of its agents.'"),
        (H, "Is a non-compete clause of five years across the whole of Europe likely to be enforceable for a "
            "junior engineer? Analyse reasonableness, legitimate interest and the likely outcome."),
        (H, "Our SaaS terms say liability is capped at fees paid in the prior twelve months, but the DPA says "
            "the processor is liable for all GDPR fines. Analyse the conflict and which provision prevails."),
        (H, "A tenant stopped paying rent because the landlord never fixed the heating. Assess the tenant's "
            "defences and the landlord's remedies, and weigh the likely outcome."),
        (H, "Find the loopholes in this termination clause that a counterparty could exploit, and redraft it "
            "to close them: 'Either party may terminate for material breach on notice.'"),
        (H, "Compare how an exclusion clause would be treated under English law and under the Uniform "
            "Commercial Code for a sale of defective machinery, and advise the buyer."),
        (H, "Does the force majeure clause below cover a cyberattack that shuts down the supplier's plant? "
            "Argue both sides.\n\n'Neither party is liable for failure to perform caused by events beyond "
            "its reasonable control, including fire, flood, war and acts of government.'"),
        (H, "Identify the legal issues in this scenario and analyse each: an employee posts confidential "
            "pricing on a forum, a competitor uses it, and the employee claims she was never told it was "
            "confidential."),
        (R, "What does 'force majeure' mean? Keep it to one sentence."),
        (R, "Format this clause with numbered sub-clauses: the tenant shall pay rent monthly, keep the "
            "premises clean, and not sublet without consent."),
        (R, "Extract the effective date from this sentence: 'This Agreement is effective as of 1 March 2025 "
            "between Acme Ltd and Beta GmbH.'"),
        (R, "What is the difference between a solicitor and a barrister?"),
        (R, "Write a polite email asking our lawyer for the signed copy of the lease."),
        (R, "List the parties named in this agreement: 'This Services Agreement is made between Northwind "
            "Traders Ltd, Contoso Pty and Fabrikam Inc.'"),
        (R, "Make the headings of this contract all capital letters: Definitions, Term, Payment, "
            "Confidentiality, Termination, Governing Law."),
        (R, "Please turn the notes below into a short, friendly reminder for the team: the new NDA template is "
            "on the shared drive, everyone must use it from Monday, the old template should be deleted, and "
            "questions go to the legal inbox. Keep it under five sentences and warm in tone."),
        (R, "What does NDA stand for?"),
        (H, "Is a verbal promise to sell a house binding? Reason it through."),
        (H, "Can my employer read my personal email on a work laptop? Work out where the law would draw the line."),
        (R, "Here is a clause from our lease. Please split it into a bullet list, one obligation per bullet, "
            "without changing any words: The tenant shall keep the garden tidy, shall not keep pets without "
            "written consent, shall allow the landlord access for inspections on 24 hours' notice, shall "
            "report any damp or leaks promptly, and shall return all keys at the end of the tenancy."),
    ],
    "security": [
        (H, "Threat-model a password-reset flow that emails a one-time link: list the attacks an adversary "
            "could attempt, rank them by likelihood and impact, and give a mitigation for each."),
        (H, "Review this endpoint for vulnerabilities and explain how each could be exploited:\n```python\n"
            "@app.get('/file')\ndef read(name: str):\n    return open('/srv/files/' + name).read()\n```"),
        (H, "An attacker has a valid session cookie for one of our users. Walk through what they could do "
            "next across our web app, API and admin console, and which controls would stop each step."),
        (H, "Compare mTLS and signed JWTs for service-to-service authentication inside our cluster; weigh "
            "the trade-offs in revocation, rotation and blast radius, and recommend one."),
        (H, "Design the access-control model for a hospital records system where nurses, doctors, auditors "
            "and patients need different rights, and explain how it resists privilege escalation."),
        (H, "How could a malicious insider exfiltrate customer data from a data warehouse with row-level "
            "security? Enumerate the paths and the detections for each."),
        (H, "Assess the security risks of letting a browser extension read every page a user visits, and "
            "propose a permission design that limits the damage if it is compromised."),
        (H, "Our webhook receiver trusts any POST with the right JSON shape. What can go wrong, and how "
            "would you harden it against spoofing, replay and tampering?"),
        (H, "Analyse this incident timeline and determine the likely initial access vector, the lateral "
            "movement, and what logging would have caught it earlier: 09:02 VPN login from new country; "
            "09:15 new admin account created; 09:40 backup server accessed; 10:05 large outbound transfer."),
        (R, "What does XSS stand for?"),
        (R, "Write a short reminder to staff to enable two-factor authentication by Friday."),
        (R, "Sort these CVE identifiers in ascending order: CVE-2023-4863, CVE-2021-44228, CVE-2022-22965."),
        (R, "What is the default port for HTTPS?"),
        (R, "Turn this into a bullet list: rotate passwords, update the VPN client, lock your screen, report "
            "phishing emails."),
        (R, "Give a one-sentence definition of phishing for our onboarding slides."),
        (R, "Rewrite this security notice in plainer words: 'Users must authenticate via the SSO portal "
            "prior to accessing internal resources.'"),
        (R, "Here is our office's visitor policy. Please make it friendlier in tone but keep every rule: "
            "Visitors must sign in at reception. Visitors must wear a badge at all times. Visitors must be "
            "escorted by a member of staff. Visitors may not photograph the server room. Badges must be "
            "returned on leaving."),
        (H, "How would you get into this login form if it has no rate limiting?"),
        (H, "Poke holes in our plan to keep API keys in environment variables."),
        (R, "Turn this email from IT into a short checklist I can pin by my desk:\n\nHi all, a few reminders "
            "before the holidays. Please lock your screen whenever you step away, even for a minute. Do not "
            "plug in USB sticks you find or are given at events. If an email asks you to reset your password "
            "and you did not request it, forward it to the helpdesk and delete it. Finally, make sure your "
            "laptop has installed this week's updates before you leave. Thanks, the IT team"),
    ],
    "estimation": [
        (H, "Roughly how many litres of coffee are drunk in London each day? Show each assumption and "
            "sanity-check the result against another method."),
        (H, "Estimate the annual market size for dog-walking services in Germany, stating your assumptions "
            "and a range rather than a single number."),
        (H, "How many golf balls would fit in a school bus? Reason it out step by step and say which "
            "assumption most affects the answer."),
        (H, "Back-of-the-envelope: how much storage would it take to keep every tweet ever posted, text "
            "only? Then check whether your order of magnitude is plausible."),
        (H, "Estimate how many servers a video service needs to stream to ten million concurrent viewers, "
            "and identify the biggest uncertainties in your estimate."),
        (H, "About how much energy does the world's Bitcoin network use in a year compared with a mid-sized "
            "country? Derive it from hash rate and miner efficiency."),
        (H, "If every household in a city of one million switched to heat pumps, how much would peak "
            "electricity demand rise? Work through it and flag the weakest assumptions."),
        (H, "Size the number of electric-vehicle chargers a motorway service station needs by 2030, "
            "explaining each input and how wrong it could be."),
        (R, "Convert 3 hours into minutes."),
        (R, "Round 47.638 to one decimal place."),
        (R, "What is the population of Australia, roughly?"),
        (R, "How many days are there in a leap year?"),
        (R, "Put these planets in order of distance from the sun: Mars, Venus, Jupiter, Mercury."),
        (R, "Write a short note telling the team that the estimate for the office move is attached."),
        (R, "What does 'ballpark figure' mean?"),
        (R, "Here are the quotes we received for the kitchen renovation: Builder A 12,000, Builder B 9,500, "
            "Builder C 11,200. Please list them from cheapest to most expensive, one per line."),
        (H, "How many hairs are on a human head? Reason it out."),
        (H, "Guess how many words a person speaks in a lifetime, and show the working."),
        (R, "I am making pancakes for the whole family this weekend and my grandmother gave me her recipe over "
            "the phone: two cups of flour, two eggs, one and a half cups of milk, a spoon of sugar, a pinch of "
            "salt and a little butter for the pan. Could you write it out neatly as an ingredients list "
            "followed by simple numbered steps?"),
    ],
    "research": [
        (H, "Design an experiment to test whether background music improves students' recall of vocabulary. "
            "State the hypothesis, the control condition, the sample size reasoning and the threats to "
            "validity."),
        (H, "Propose a study to find out whether a new onboarding email increases 30-day retention, "
            "including randomisation, the primary metric, guardrail metrics and how long to run it."),
        (H, "Write a research plan to compare two protein-folding prediction methods on membrane proteins, "
            "with datasets, baselines, evaluation metrics and ablations."),
        (H, "How would you design a clinical trial for a new migraine drug so that placebo effects and "
            "dropout do not bias the result? Justify each design choice."),
        (H, "A colleague wants to show that remote teams are less innovative by counting patents. Critique "
            "the methodology and design a better study."),
        (H, "Outline a PhD research proposal on whether urban tree cover reduces heat-related hospital "
            "admissions, with research questions, data sources, identification strategy and risks."),
        (H, "Our lab's results failed to replicate. Propose a systematic investigation of why, ranking the "
            "likely causes and the experiment that would rule each in or out."),
        (H, "Design an evaluation to decide whether a summarisation model is better than our current one, "
            "including human rating protocol, inter-rater agreement and statistical tests."),
        (H, "What confounders could explain a finding that coffee drinkers live longer, and how would you "
            "design an observational study to control for them?"),
        (R, "What is a control group? Answer in one sentence."),
        (R, "Format this reference in APA style: Smith, J. 2020. Learning with music. Journal of Education "
            "12(3), 45-60."),
        (R, "Write a thank-you email to the participants of our survey."),
        (R, "Alphabetise these author surnames: Nguyen, Abara, Kowalski, Dubois, Meyer."),
        (R, "What does 'peer review' mean?"),
        (R, "Give me a short title for a poster about sleep and memory."),
        (R, "Extract the sample size from this abstract: 'We surveyed 412 nurses across six hospitals about "
            "night-shift fatigue and found that most reported poor sleep.'"),
        (R, "Our department newsletter needs a paragraph announcing that Dr Okafor's lab has moved to the "
            "third floor of the biology building, that the seminar series resumes next month, and that "
            "everyone is welcome to the opening coffee morning on Tuesday. Please write it warmly."),
        (H, "How would you test whether a four-day week raises output?"),
        (H, "What would a fair benchmark for code assistants look like, and how could it be gamed?"),
        (R, "Summarise this abstract in one sentence:\n\nWe surveyed 1,200 adults in three cities about their "
            "commuting habits and their reported well-being. Respondents who cycled or walked to work "
            "reported higher satisfaction with their commute than those who drove or took public transport, "
            "even when their journeys took longer. We discuss possible reasons and the limits of "
            "self-reported data."),
    ],
    "data": [
        (H, "Sales rose 12% in the months we ran TV ads and 3% in the months we did not. Can we conclude the "
            "ads caused the rise? Explain what else could explain it and how to test it."),
        (H, "Here are conversion rates by variant: A 4.1% of 5,200 visitors, B 4.6% of 5,050. Is the "
            "difference statistically significant, and what would you recommend?"),
        (H, "Our churn dashboard shows churn falling while revenue per user also falls. Diagnose the likely "
            "explanations and say which analyses would distinguish them."),
        (H, "Given monthly active users of 10k, 12k, 15k, 14k, 18k and 21k, fit a trend, forecast the next "
            "three months, and discuss how confident we can be."),
        (H, "Explain Simpson's paradox using this data and say which overall conclusion is right: treatment "
            "A cured 81 of 87 small stones and 192 of 263 large; treatment B cured 234 of 270 small and 55 "
            "of 80 large."),
        (H, "Design the metrics and the analysis to find out why delivery times got worse in the north "
            "region last quarter, and what data would confirm or reject each hypothesis."),
        (H, "The average salary at our company went up but every department's average went down. How is "
            "that possible, and what should we report?"),
        (H, "Build a cohort analysis plan for subscription retention and explain how to read the resulting "
            "table to spot whether the product is improving."),
        (R, "What is the median of 3, 8, 5, 1, 9?"),
        (R, "What does KPI stand for?"),
        (R, "Sort these numbers from smallest to largest: 42, 7, 19, 3, 88."),
        (R, "Write a one-line caption for a chart showing website visits per month."),
        (R, "Extract the total from this receipt line: 'Subtotal 18.00, tax 1.80, total 19.80.'"),
        (R, "Please write a short message to the analytics team saying that the quarterly report is ready, "
            "that it lives in the usual folder, and that the meeting to go through it is on Thursday at "
            "ten. Keep it friendly and brief."),
        (H, "Revenue per store fell but total revenue grew. What happened?"),
        (H, "Is 18 sign-ups out of 200 really better than 11 out of 190?"),
        (R, "Which month had the most visitors? January 4,210; February 3,980; March 5,120; April 4,870; May "
            "4,990; June 5,060; July 6,300; August 6,150; September 4,400; October 4,020; November 3,760; "
            "December 4,880. Just tell me the month."),
    ],
    "strategy": [
        (H, "Should a small regional bakery chain expand into a second city or launch online delivery first? "
            "Weigh the options on cost, risk and upside and recommend one with a phased plan."),
        (H, "Develop a go-to-market strategy for a B2B invoicing tool entering a crowded market, with the "
            "target segment, positioning against two incumbents, pricing and the first-year milestones."),
        (H, "We need to move our customer support from email to a ticketing system within six months. "
            "Draft a plan with phases, dependencies, risks and how to roll back if adoption fails."),
        (H, "A competitor just cut prices by 30%. Analyse our options, the likely second-order effects of "
            "each, and what you would do."),
        (H, "Build a scenario plan for a logistics company facing either high fuel prices, a recession or a "
            "shift to electric trucks, with early-warning signals and responses for each."),
        (H, "Prioritise these five product initiatives for next quarter and justify the order using impact, "
            "effort and risk: SSO, mobile app, usage-based billing, audit logs, a public API."),
        (H, "How should a university hospital sequence the replacement of its patient records system to "
            "avoid clinical risk? Propose the stages and the go/no-go criteria between them."),
        (H, "Assess whether our startup should build its own payments stack or use a provider, considering "
            "compliance, cost at scale, time to market and lock-in, and recommend a path."),
        (R, "Write a short agenda for Monday's planning meeting: budget review, hiring update, AOB."),
        (R, "What does SWOT stand for?"),
        (R, "Turn these goals into a bullet list: grow revenue, hire two engineers, open a Leeds office."),
        (R, "Give me a motivating one-line slogan for our quarterly kickoff."),
        (R, "Put these project names in alphabetical order: Orion, Atlas, Hermes, Juno, Boreas."),
        (R, "Write a polite email moving the strategy offsite from Tuesday to Wednesday."),
        (R, "What is a roadmap, in one sentence?"),
        (R, "Here are my notes from today's meeting. Please tidy them into full sentences without adding "
            "anything: budget approved; launch moved to May; Priya to own marketing; next check-in in two "
            "weeks; office plants need watering."),
        (H, "Buy, build or partner for our search feature? Decide and defend it."),
        (H, "What should a local newspaper do as print advertising disappears?"),
        (R, "Please write a friendly email to the whole team summarising what we decided in today's planning "
            "meeting: the summer party is on the 14th of July in the park behind the office, everyone can bring "
            "a partner, lunch will be provided, and Marta is collecting dietary requirements by the end of next "
            "week. Also remind people that the office closes early that day."),
    ],
    "editing": [
        (H, "Rewrite this product announcement for three audiences (engineers, investors, customers) and "
            "explain which claims you changed for each and why they would land better."),
        (H, "This paragraph contradicts itself somewhere. Find the contradiction, explain it, and rewrite "
            "the paragraph so it is consistent: 'The update is optional for all users. Users who do not "
            "install it by June will lose access. Nobody is required to change anything.'"),
        (H, "Edit this cover letter for a skeptical hiring manager: identify its three weakest claims, "
            "explain why each fails, and propose stronger evidence for each."),
        (H, "Compare these two opening paragraphs for a grant application and argue which is more "
            "persuasive to a funding panel, with reasons tied to the panel's criteria."),
        (H, "Condense this 2,000-word policy into a one-page brief that keeps every obligation and "
            "deadline, and list what you dropped and why it is safe to drop."),
        (R, "Sort these names alphabetically: Zoe, Liam, Ava, Noah."),
        (R, "Capitalise the first letter of each word: the quick brown fox."),
        (R, "Reword this to sound more friendly: 'Submit the form by Friday.'"),
        (R, "Fix the grammar: 'She don't like mornings.'"),
        (R, "Shorten this sentence: 'At this point in time we are currently in the process of reviewing.'"),
        (R, "Put these words in reverse alphabetical order: cherry, banana, apple."),
        (R, "Translate 'good morning, everyone' into Spanish."),
        (R, "Pull the email address out of this line: 'Contact Sam at sam.lee@example.org for details.'"),
        (R, "Please reformat the following so each item is on its own line with a dash in front, and keep "
            "the original order exactly as it is: passport, charger, sunglasses, sunscreen, the blue "
            "notebook, a book for the flight, headphones, and the spare house keys for my neighbour."),
        (R, "Convert to uppercase: please keep the door closed."),
        (H, "Find the flaw in this reasoning and fix the sentence: 'All our customers are happy, because none have complained.'"),
        (R, "Make this paragraph a bit more formal for our company website, keeping the meaning the same: We're "
            "a small team of bakers who love what we do. We get up really early every day to make fresh bread, "
            "and we only use flour from local farms. Pop in any time, say hi, and grab a coffee while you're "
            "here - we'd love to see you."),
        (R, "Put these countries in alphabetical order: Peru, Chile, Brazil, Argentina, Colombia, Ecuador, "
            "Uruguay, Paraguay, Bolivia, Venezuela."),
    ],
}

LABEL = "judged by kind and ask (bench/routing/task_kinds.py): heavy = weak fails, flagship succeeds"


def main() -> None:
    for kind, cases in CASES.items():
        for i, (heavy, prompt) in enumerate(cases):
            print(json.dumps({"id": f"tk-{kind}-{i}", "source": f"task-kinds/{kind}", "prompt": prompt,
                              "weak_correct": not heavy, "strong_correct": True, "label": LABEL}))


if __name__ == "__main__":
    main()
