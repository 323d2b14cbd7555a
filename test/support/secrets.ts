// Finds configured secrets in captured output. A secret can surface as written, URL-encoded
// (inside a logged URL) or, for a bot token, as only the part after the bot id, so each form is
// looked for. Findings name the secret's label, never its value.

/** Labels of the secrets that occur in `text`, with the form that was found. */
export function leakedSecrets(text: string, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [label, secret] of Object.entries(secrets)) {
    for (const [form, value] of formsOf(secret)) {
      if (value.length >= 8 && text.includes(value)) found.push(`${label} (${form})`);
    }
  }
  return found;
}

function formsOf(secret: string): Array<[string, string]> {
  const forms: Array<[string, string]> = [["as is", secret]];
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) forms.push(["URL-encoded", encoded]);
  // A bot token is "<bot id>:<secret part>"; the id alone is public, the rest is not.
  const tokenTail = /^\d+:(.+)$/.exec(secret)?.[1];
  if (tokenTail !== undefined) forms.push(["token without the bot id", tokenTail]);
  return forms;
}
