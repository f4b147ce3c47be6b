import { join } from 'node:path';
import { Eta } from 'eta';
import { PROJECT_ROOT } from '../common/project-root.js';
import type { ComposedMessage } from './messages.js';

/** A message ready for the transport: RFC 5322 subject plus a text and an HTML body. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

const html = new Eta({ views: join(PROJECT_ROOT, 'views', 'mail'), cache: true, autoEscape: true });
// Plain text is not HTML: escaping would turn a name's `&` into `&amp;` in the reader's mail.
const text = new Eta({
  views: join(PROJECT_ROOT, 'views', 'mail'),
  cache: true,
  autoEscape: false,
});

/** Renders a composed message with views/mail/message.{text,html}.eta. */
export function renderMessage(message: ComposedMessage): RenderedMessage {
  const data = { ...message, paragraphs: message.paragraphs.filter(Boolean) };
  return {
    subject: message.subject,
    text: text
      .render('message.text.eta', data)
      .replace(/\n{3,}/g, '\n\n')
      .trim()
      .concat('\n'),
    html: html.render('message.html.eta', data),
  };
}
