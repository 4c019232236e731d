import type { DeadLetterDetail, DeadLetterSummary, DlqResult } from './commands';

/** The readable form of a result, for a person at a terminal (`--json` prints the result itself). */
export function formatResult(result: DlqResult): string {
  switch (result.command) {
    case 'list':
      return [
        movedLine(result.moved),
        result.deadLetters.length === 0 ? 'No dead letters.' : table(result.deadLetters),
        skippedLine(result.skipped),
      ]
        .filter(Boolean)
        .join('\n');
    case 'show':
      return detail(result.deadLetter);
    case 'replay':
      return [
        movedLine(result.moved),
        result.replayed.length === 0 ? 'Nothing to replay.' : `Replayed ${result.replayed.length}:\n${table(result.replayed)}`,
        skippedLine(result.skipped),
      ]
        .filter(Boolean)
        .join('\n');
    case 'purge':
      return [
        movedLine(result.moved),
        result.purged.length === 0
          ? 'Nothing to purge.'
          : `Purged ${result.purged.length} (kept in the store for audit):\n${table(result.purged)}`,
        skippedLine(result.skipped),
      ]
        .filter(Boolean)
        .join('\n');
  }
}

const movedLine = (moved: number): string =>
  moved > 0 ? `Moved ${moved} dead letter${moved === 1 ? '' : 's'} from the queues into the store.` : '';
const skippedLine = (skipped: string[]): string =>
  skipped.length > 0 ? `(no dead-letter queue and no store yet: ${skipped.join(', ')})` : '';

const REASON_WIDTH = 60;

function table(letters: DeadLetterSummary[]): string {
  const header = ['ID', 'EVENT ID', 'TYPE', 'ATTEMPTS', 'DEAD-LETTERED', 'STATUS', 'REASON'];
  const rows = letters.map((l) => [
    l.id,
    l.eventId ?? '-',
    l.eventType ?? '-',
    l.attempts === null ? '-' : String(l.attempts),
    l.deadLetteredAt ?? '-',
    l.resolution ?? 'unresolved',
    truncate(l.reason ?? '-', REASON_WIDTH),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function detail(letter: DeadLetterDetail): string {
  const fields: [string, string | number | null][] = [
    ['id', letter.id],
    ['event id', letter.eventId],
    ['event type', letter.eventType],
    ['message id', letter.messageId],
    ['sent at', letter.messageTimestamp],
    ['origin', `${letter.originQueue} (exchange ${letter.originExchange ?? '-'}, routing key ${letter.originRoutingKey ?? '-'})`],
    ['reason', letter.reason],
    ['attempts', letter.attempts],
    ['dead-lettered at', letter.deadLetteredAt],
    ['moved at', letter.movedAt],
    ['status', letter.resolution ? `${letter.resolution} at ${letter.resolvedAt}` : 'unresolved'],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  return [
    ...fields.map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${value ?? '-'}`),
    '',
    'headers:',
    JSON.stringify(letter.headers, null, 2),
    '',
    'body:',
    prettyBody(letter.body),
  ].join('\n');
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

const truncate = (text: string, width: number): string => {
  const line = text.replace(/\s+/g, ' ');
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
};
