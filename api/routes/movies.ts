/** GET /movies/:movie_id/similar?limit=: content-similar movies; 404 for a movie the model does not know. */
import Router from '@koa/router';
import { z } from 'zod';
import type { RequestState } from '../context';
import { idParam, integerParam, parseRequest } from '../params';
import { ProblemError } from '../problems';
import { requireModel, type ServingDeps } from '../serving';

export const similarMoviesParams = {
  path: z.strictObject({ movie_id: idParam }),
  query: z.strictObject({ limit: integerParam(1, 100).optional().describe('how many movies (default 10)') }),
};

export const similarMoviesAnswer = z.object({
  movie_id: z.number().int(),
  title: z.string().nullable(),
  model_version: z.string(),
  items: z.array(z.object({ movie_id: z.number().int(), title: z.string(), similarity: z.number() })),
}).meta({ id: 'SimilarMovies' });

export function moviesRouter(deps: Pick<ServingDeps, 'models'>): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/movies/:movie_id/similar', (ctx) => {
    const { path, query } = parseRequest(similarMoviesParams, { path: ctx.params, query: ctx.query });
    const model = requireModel(deps.models);
    // Checked here rather than by catching UnknownMovieError: the answer names the model version.
    if (!model.recommender.hasMovie(path.movie_id)) {
      throw new ProblemError(404, 'Unknown movie', `movie ${path.movie_id} is not in model ${model.version}`, { movie_id: path.movie_id });
    }
    const similar = model.recommender.similarMovies(path.movie_id, query.limit ?? 10);
    ctx.body = {
      movie_id: path.movie_id,
      title: model.recommender.movie(path.movie_id)?.title ?? null,
      model_version: model.version,
      items: similar.map((s) => ({ movie_id: s.movieId, title: s.title, similarity: s.similarity })),
    } satisfies z.output<typeof similarMoviesAnswer>;
  });
  return router;
}
