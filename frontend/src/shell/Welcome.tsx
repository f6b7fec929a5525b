interface WelcomeProps {
  /** Why /api/v1/me/ failed, if it did. */
  profileError: string | null;
}

export function Welcome({ profileError }: WelcomeProps) {
  return (
    <section className="panel welcome" aria-labelledby="welcome-title">
      <h1 id="welcome-title" className="welcome__title">
        Welcome to Sluice
      </h1>
      <p className="welcome__text">Workflows, the canvas and the review inbox arrive here soon.</p>
      {profileError && (
        <p className="notice notice--error" role="alert">
          Could not load your account: {profileError}
        </p>
      )}
    </section>
  );
}
