import { EventStreamParser } from './fetch-event-source.js';

const parseAll = (chunks: string[]): { type: string; data: string; lastEventId: string }[] => {
  const events: { type: string; data: string; lastEventId: string }[] = [];
  const parser = new EventStreamParser((type, message) => events.push({ type, ...message }));
  for (const chunk of chunks) parser.push(chunk);
  return events;
};

describe('EventStreamParser', () => {
  const stream = ': heartbeat\r\n\r\nevent: welcome\r\ndata: {"connectionId":"c1"}\r\n\r\nid: 7\nevent: notification\ndata: {"a":\ndata:1}\n\ndata:plain\r\r';

  it('reads named events, ids, multi-line data and comments, with any line ending', () => {
    expect(parseAll([stream])).toEqual([
      { type: 'welcome', data: '{"connectionId":"c1"}', lastEventId: '' },
      { type: 'notification', data: '{"a":\n1}', lastEventId: '7' },
      { type: 'message', data: 'plain', lastEventId: '7' },
    ]);
  });

  it('gives the same events however the stream is cut, a CRLF across two chunks included', () => {
    const whole = parseAll([stream]);
    for (let cut = 1; cut < stream.length; cut += 1) {
      expect(parseAll([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole);
    }
    expect(parseAll([...stream])).toEqual(whole);
  });

  it('dispatches nothing for an event without data or one not finished by a blank line', () => {
    expect(parseAll(['event: counts\n\n', 'data: {"unread":1}\n'])).toEqual([]);
  });
});
