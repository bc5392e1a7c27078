// Text for a terminal (security review, issue 9). A file's name, a claim's text, a
// comment or a CSV column name may hold control characters; written to a terminal as
// they are, ESC sequences could retitle the window, rewrite the screen (hide a FAILS)
// or, in some terminals, write to the clipboard, and a bidirectional override could
// make a line read otherwise than it is. Each such character is shown as '?'; line
// breaks and tabs, which our own output uses, are kept.

const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `s` with every control character but \n and \t as '?'. */
export const terminalText = (s: string): string => s.replace(UNPRINTABLE, '?');

/** JSON for a terminal: the characters above that JSON.stringify leaves raw (C1 controls,
 *  U+2028/U+2029, bidirectional marks) written as \uXXXX escapes, so the value is unchanged. */
export const jsonText = (json: string): string =>
  json.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
