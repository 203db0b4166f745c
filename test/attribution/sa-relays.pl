#!/usr/bin/perl
# SpamAssassin's own Received parsing and trust boundary, for test/attribution/spamassassin-agreement.test.ts.
# Usage: perl sa-relays.pl "<trusted networks>" < records
# Each record on stdin is "<byte length> <name>\n" followed by that many bytes (a message's header section);
# each answer on stdout is "<name>\t<first untrusted relay's IP, or empty>\t<X-Spam-Relays-Trusted>".
use strict;
use warnings;
use Mail::SpamAssassin;

my $trusted = shift @ARGV or die "usage: sa-relays.pl '<trusted networks>'\n";
my $sa = Mail::SpamAssassin->new({
  local_tests_only   => 1,
  dont_copy_prefs    => 1,
  userprefs_filename => '/dev/null',
  site_rules_filename => '/dev/null',
  config_text        => "trusted_networks $trusted\ninternal_networks $trusted\n",
});
$sa->init(0);
binmode(STDIN);
binmode(STDOUT);
$| = 1;
while (my $head = <STDIN>) {
  chomp $head;
  my ($len, $name) = split(/ /, $head, 2);
  my $text = '';
  read(STDIN, $text, $len) == $len or die "short record for $name\n";
  my $msg = $sa->parse($text, 1);
  my $pms = Mail::SpamAssassin::PerMsgStatus->new($sa, $msg);
  $pms->extract_message_metadata();
  my $u = $pms->{relays_untrusted};
  my $ip = ($u && @$u) ? $u->[0]->{ip} : '';
  my $t = $pms->get('X-Spam-Relays-Trusted') // '';
  $t =~ s/[\t\r\n]+/ /g;
  print "$name\t$ip\t$t\n";
  $pms->finish();
  $msg->finish();
}
