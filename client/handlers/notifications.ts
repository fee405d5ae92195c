/** The notification outbox (Art. 18): reminders, overdue notices and escalations, pending or delivered. */
import { notificationFilter, type NotificationRecord } from '../../db/repositories/types';
import type { CommandContext, Output } from '../commands';
import { UsageError } from '../errors';
import { table, time } from '../format';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export async function listNotificationsCommand(ctx: CommandContext): Promise<Output> {
  const center = str(ctx.values.center);
  const status = str(ctx.values.status);
  if (status !== undefined && status !== 'pending' && status !== 'delivered') {
    throw new UsageError(`--status must be "pending" or "delivered", not "${status}".`, 'notifications');
  }
  // A center id as given, or every center of a university ("bjut" matches "bjut.call-2026").
  const notifications = ctx.services.api
    ? (await ctx.services.api.request<{ notifications: NotificationRecord[] }>('GET', '/notifications', { query: { center, status } })).notifications
    : await (await ctx.services.repos()).notifications(notificationFilter(center, status as NotificationRecord['status'] | undefined));
  return {
    data: { filter: { center: center ?? null, status: status ?? null }, notifications },
    text: table(
      ['CENTER', 'DEADLINE', 'NOTICE', 'TO', 'SUBJECT', 'DUE', 'STATUS', 'DELIVERED'],
      notifications.map((n) => [n.centerId, n.key, n.notice, n.recipientRole, n.subject, time(n.dueAt), n.status, time(n.deliveredAt)]),
      'No notifications match.',
    ),
  };
}
