#!/usr/bin/perl
# An outside reader for spamcase's DKIM results: Perl's Mail::DKIM (Debian libmail-dkim-perl)
# verifies each message given, with its key lookups answered from a key file (never DNS) and
# the clock set to the harvest time the test uses (x= expiry).
#   verify.pl KEYS.json AT_EPOCH LIST   (LIST: one message path per line)
# Prints one JSON line per message: {"file": ..., "signatures": [{"result", "detail", "domain",
# "selector", "algorithm", "kind"}]}.
use strict;
use warnings;

my $AT;
BEGIN {
    $AT = $ARGV[1];
    # Mail::DKIM judges x= against time(); the test judges it at the harvest time.
    *CORE::GLOBAL::time = sub () { $AT };
}
use JSON::PP;
use Net::DNS;
use Mail::DKIM;
use Mail::DKIM::Verifier;

my ( $keys_file, undef, $list_file ) = @ARGV;
my $json = JSON::PP->new->canonical;
my $keys = do {
    open my $fh, '<:raw', $keys_file or die "$keys_file: $!";
    local $/;
    $json->decode(<$fh>);
};

{
    no warnings 'redefine';
    # Every key question is answered from the key file; nothing reaches the network.
    *Mail::DKIM::DNS::query = sub {
        my ( $name, $type ) = @_;
        my $txt = $keys->{ lc $name };
        if ( $type ne 'TXT' || !defined $txt ) { $@ = 'NXDOMAIN'; return (); }
        my @chunks = $txt eq '' ? ('') : unpack( '(A250)*', $txt );
        return ( Net::DNS::RR->new( name => $name, type => 'TXT', txtdata => [@chunks] ) );
    };
}

open my $list, '<', $list_file or die "$list_file: $!";
while ( my $file = <$list> ) {
    chomp $file;
    open my $fh, '<:raw', $file or die "$file: $!";
    my $dkim = Mail::DKIM::Verifier->new();
    my @sigs;
    eval {
        local $/;
        my $raw = <$fh>;
        $raw =~ s/(?<!\r)\n/\r\n/g;    # Mail::DKIM wants CRLF line endings
        $dkim->PRINT($raw);
        $dkim->CLOSE;
        for my $s ( $dkim->signatures ) {
            push @sigs, {
                kind      => ref($s) eq 'Mail::DKIM::DkSignature' ? 'domainkeys' : 'dkim',
                result    => $s->result // '',
                detail    => $s->result_detail // '',
                domain    => lc( $s->domain // '' ),
                selector  => $s->selector // '',
                algorithm => lc( $s->algorithm // '' ),
            };
        }
        1;
    } or do {
        my $e = $@;
        $e =~ s/\s+$//;
        @sigs = ( { kind => 'error', result => 'error', detail => $e } );
    };
    close $fh;
    print $json->encode( { file => $file, signatures => \@sigs } ), "\n";
}
