import { PageLook } from './page-look';

describe('PageLook', () => {
  const make = () => {
    let now = 1_000;
    const look = new PageLook(500, 250, 100, 1_000, () => now);
    return { look, advance: (ms: number) => (now += ms) };
  };

  it('looks first, then only when the announced messages could fill a page', () => {
    const { look } = make();
    expect(look.due()).toBe(true);
    look.looking();
    look.looked({ count: 0, oldestMs: 0 });
    expect(look.due()).toBe(false);
    look.announce(300);
    expect(look.due()).toBe(false);
    look.looking();
    look.looked({ count: 300, oldestMs: 10 }); // a look (the age) found 300 waiting
    look.announce(199);
    expect(look.due()).toBe(false);
    look.announce(1);
    expect(look.due()).toBe(true);
  });

  it('looks again when the oldest waiting message comes of age, and at the latest after the longest gap', () => {
    const { look, advance } = make();
    look.looking();
    look.looked({ count: 3, oldestMs: 100 });
    advance(149);
    expect(look.due()).toBe(false);
    advance(1);
    expect(look.due()).toBe(true); // 250 ms old now

    look.looking();
    look.looked({ count: 0, oldestMs: 0 });
    advance(999);
    expect(look.due()).toBe(false);
    advance(1);
    expect(look.due()).toBe(true); // nothing announced for a second: look anyway (scheduled messages, lost wake-ups)
  });

  it('looks again soon after a page was due but had no room, and at once when a wake-up does not say how many', () => {
    const { look, advance } = make();
    look.looking();
    look.looked({ count: 500, oldestMs: 0 }, true);
    expect(look.due()).toBe(true); // a full page waits: due by count already
    look.looking();
    look.looked({ count: 20, oldestMs: 300 }, true);
    advance(99);
    expect(look.due()).toBe(false);
    advance(1);
    expect(look.due()).toBe(true);

    look.looking();
    look.looked({ count: 0, oldestMs: 0 });
    look.announce(null); // a page ended
    expect(look.due()).toBe(true);
  });

  it('keeps what was announced while a look ran for the next one', () => {
    const { look } = make();
    look.looking();
    look.announce(499); // arrives while the query runs: not in what it counts
    look.announce(null);
    look.looked({ count: 1, oldestMs: 0 });
    expect(look.due()).toBe(true); // the unknown wake-up is still to look at
    look.looking();
    look.looked({ count: 1, oldestMs: 0 });
    expect(look.due()).toBe(false); // this look saw everything
  });

  it('calls a page due when a full page waits or the oldest is past the page delay', () => {
    const { look } = make();
    expect(look.pageDue({ count: 0, oldestMs: 10_000 })).toBe(false);
    expect(look.pageDue({ count: 499, oldestMs: 249 })).toBe(false);
    expect(look.pageDue({ count: 500, oldestMs: 0 })).toBe(true);
    expect(look.pageDue({ count: 1, oldestMs: 250 })).toBe(true);
  });
});
