/**
 * What Slack refuses or mangles in a message of blocks, checked against the limits of
 * src/report/slack-limits.json (each with its source), written out again here: the number of blocks, a
 * section's text, its fields, a header, a context's elements, the top-level text, all blocks' texts
 * together. And what Slack would show wrongly: a literal backslash-n where a line break was meant, a
 * text object of a type Slack does not have.
 */
import limitsFile from '../../src/report/slack-limits.json' with { type: 'json' };

const L = Object.fromEntries(Object.entries(limitsFile.limits).map(([k, v]) => [k, v.value])) as Record<keyof typeof limitsFile.limits, number>;

interface TextObject {
  type: string;
  text: string;
  verbatim?: boolean;
}
interface Block {
  type: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: TextObject[];
}
export interface Message {
  text: string;
  blocks: Block[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** Every text object of the blocks, with where it is. */
export function textsOf(message: Message): { at: string; block: Block; object: TextObject }[] {
  return message.blocks.flatMap((block, i) => [
    ...(block.text ? [{ at: `blocks[${i}].text`, block, object: block.text }] : []),
    ...(block.fields ?? []).map((object, j) => ({ at: `blocks[${i}].fields[${j}]`, block, object })),
    ...(block.elements ?? []).map((object, j) => ({ at: `blocks[${i}].elements[${j}]`, block, object })),
  ]);
}

/** What is wrong with the message, in words; empty when Slack takes it as it is meant. */
export function slackViolations(message: Message): string[] {
  const found: string[] = [];
  if (message.blocks.length > L.blocks) found.push(`${message.blocks.length} blocks (at most ${L.blocks})`);
  if (message.text.length > L.messageText) found.push(`text of ${message.text.length} characters (at most ${L.messageText})`);
  let total = 0;
  message.blocks.forEach((b, i) => {
    if (!['header', 'section', 'context', 'divider'].includes(b.type)) found.push(`blocks[${i}] is a ${b.type}`);
    if (b.type === 'section' && !b.text && !b.fields?.length) found.push(`blocks[${i}]: a section with neither text nor fields`);
    if ((b.fields?.length ?? 0) > L.sectionFields) found.push(`blocks[${i}]: ${b.fields!.length} fields (at most ${L.sectionFields})`);
    if ((b.elements?.length ?? 0) > L.contextElements) found.push(`blocks[${i}]: ${b.elements!.length} elements (at most ${L.contextElements})`);
    if (b.type === 'header' && b.text?.type !== 'plain_text') found.push(`blocks[${i}]: a header's text must be plain_text`);
  });
  for (const { at, block, object } of textsOf(message)) {
    total += object.text.length;
    if (!['mrkdwn', 'plain_text'].includes(object.type)) found.push(`${at} is of type ${object.type}`);
    const max = block.type === 'header' ? L.headerText : at.includes('.fields[') ? L.fieldText : L.sectionText;
    if (object.text.length > max) found.push(`${at}: ${object.text.length} characters (at most ${max})`);
    if (object.text.length === 0) found.push(`${at} is empty`);
    if (object.text.includes('\\n')) found.push(`${at} holds a literal backslash-n`);
  }
  if (total > L.blocksText) found.push(`the blocks' texts come to ${total} characters (at most ${L.blocksText})`);
  return found;
}
