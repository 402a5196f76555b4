// Who is logged in, as far as this tab knows.
import type { UserView } from '@simpul/protocol';

class Session {
  user = $state<UserView | null>(null);
}

export const session = new Session();
