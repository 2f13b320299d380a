"use strict";
// The dashboard's texts come from the shared message catalogues (Norwegian bokmål by default, English):
// its own keys are under "dashboard." (the outcomes it counts under "dashboard.outcomes."), kinds and
// reasons are the words every page uses.
const LANGUAGES = ["nb", "en"];

async function loadMessages(language) {
  const messages = await (await fetch(`/static/common/i18n/${language}.json`)).json();
  const picked = (prefix) => Object.fromEntries(
    Object.entries(messages).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]));
  const texts = picked("dashboard.");
  return {
    ...texts,
    waitBuckets: texts.waitBuckets.split("|"),
    kinds: picked("kind."),
    reasons: picked("reason."),
    outcomes: picked("dashboard.outcomes."),
  };
}
