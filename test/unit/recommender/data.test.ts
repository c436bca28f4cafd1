import assert from 'node:assert/strict';
import { generateSynthetic } from '../../../recommender';
import { parseLatestMovies, parseMl100kItems, parseRatings } from '../../../recommender/data/movielens';

describe('recommender: datasets', () => {
  it('parses ml-100k items: title, release year and the 19 genre flags', () => {
    const line = '1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0';
    const noDate = '267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0';
    const [toyStory, unknown] = parseMl100kItems(`${line}\n${noDate}\n`);
    assert.deepEqual(toyStory, { movieId: 1, title: 'Toy Story (1995)', genres: ['Animation', "Children's", 'Comedy'], year: 1995 });
    assert.deepEqual(unknown, { movieId: 267, title: 'unknown', genres: ['unknown'] });
  });

  it('parses ml-latest-small movies with quoted titles, the year from the title, genres and tags', () => {
    const movies = parseLatestMovies(
      'movieId,title,genres\n11,"American President, The (1995)",Comedy|Drama|Romance\n99,Untitled,(no genres listed)\n',
      'userId,movieId,tag,timestamp\n2,11,politics,1445714994\n3,11,"funny, warm",1445714996\n',
    );
    assert.deepEqual(movies[0], { movieId: 11, title: 'American President, The (1995)', genres: ['Comedy', 'Drama', 'Romance'], year: 1995, tags: ['politics', 'funny, warm'] });
    assert.deepEqual(movies[1], { movieId: 99, title: 'Untitled', genres: [] });
  });

  it('parses a quoted title holding a comma and doubled quotes, with CRLF line ends and blank lines', () => {
    const movies = parseLatestMovies(`movieId,title,genres\r\n7789,"11'09""01 - September 11, the films (2002)",Drama\r\n\r\n`, undefined);
    assert.deepEqual(movies, [{ movieId: 7789, title: `11'09"01 - September 11, the films (2002)`, genres: ['Drama'], year: 2002 }]);
  });

  it('parses rating files into columns', () => {
    const columns = parseRatings('userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n', ',', true);
    assert.deepEqual([...columns.userIds], [1, 1]);
    assert.deepEqual([...columns.movieIds], [31, 1029]);
    assert.deepEqual([...columns.ratings], [2.5, 3]);
    assert.deepEqual([...columns.timestamps], [1260759144, 1260759179]);
  });

  it('generates reproducible synthetic ratings: exact size, half stars, unique pairs, skewed activity and popularity', () => {
    const a = generateSynthetic({ ratings: 50_000, seed: 3 });
    const b = generateSynthetic({ ratings: 50_000, seed: 3 });
    assert.equal(a.ratings.userIds.length, 50_000);
    assert.deepEqual(a.ratings.ratings, b.ratings.ratings);
    assert.deepEqual(a.ratings.movieIds, b.ratings.movieIds);
    assert.ok(a.ratings.ratings.every((r) => r >= 0.5 && r <= 5 && Number.isInteger(r * 2)));
    const pairs = new Set(Array.from(a.ratings.userIds, (u, k) => `${u}:${a.ratings.movieIds[k]}`));
    assert.equal(pairs.size, 50_000);
    const counts = (ids: Int32Array): number[] => {
      const c = new Map<number, number>();
      for (const id of ids) c.set(id, (c.get(id) ?? 0) + 1);
      return [...c.values()].sort((x, y) => x - y);
    };
    for (const c of [counts(a.ratings.userIds), counts(a.ratings.movieIds)]) {
      const median = c[Math.floor(c.length / 2)]!;
      assert.ok(c[c.length - 1]! > 5 * median, `max ${c[c.length - 1]} vs median ${median}`);
    }
    assert.ok(a.movies.every((m) => m.genres.length > 0 && m.year !== undefined));
  });
});
