/** Asked about a movie the model does not know. */
export class UnknownMovieError extends Error {
  constructor(readonly movieId: number) {
    super(`unknown movie ${movieId}`);
    this.name = 'UnknownMovieError';
  }
}

/** A model artifact that cannot be loaded: wrong format, unsupported version, truncated or corrupt. */
export class ArtifactError extends Error {
  constructor(message: string) {
    super(`invalid model artifact: ${message}`);
    this.name = 'ArtifactError';
  }
}
